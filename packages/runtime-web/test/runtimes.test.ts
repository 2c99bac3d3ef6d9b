/**
 * Smoke tests in other JavaScript runtimes, installed from npm (`deno`, `bun` devDependencies) and run offline on the
 * built package (dist/): 10 greedy tokens must equal onnxruntime-node's. Skipped when a runtime binary is missing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { Tokenizer, initTokenizer } from '@tinyzh/tokenizer';
import { fixtureModelDir, removeCopies } from './helpers/fixture.js';
import { referenceGreedy } from './helpers/reference.js';

const here = dirname(fileURLToPath(import.meta.url));
const smoke = join(here, 'runtimes/smoke.mjs');
const req = createRequire(join(here, '../package.json'));

/** The binary a runtime's npm package installs (its platform package's file), or undefined. */
function binary(name: 'deno' | 'bun'): string | undefined {
  try {
    const pkgDir = dirname(req.resolve(`${name}/package.json`));
    const candidates = [join(pkgDir, '../.bin', name), join(pkgDir, 'bin', name), join(pkgDir, 'bin', `${name}.exe`)];
    return candidates.find((c) => existsSync(c));
  } catch {
    return undefined;
  }
}

let model: string;
let ref: number[];
beforeAll(async () => {
  model = await fixtureModelDir();
  await initTokenizer();
  const tok = await Tokenizer.fromJSON(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
  ref = await referenceGreedy(join(model, 'onnx/model.onnx'), { num_hidden_layers: 2, num_key_value_heads: 2, head_dim: 16, eos_token_id: 2 }, [1, ...tok.encode('从前')], 10);
  tok.dispose();
});
afterAll(removeCopies);

const runtimes: [string, string | undefined, string[]][] = [
  ['Deno', binary('deno'), ['run', '--allow-read', '--allow-env', '--allow-sys', smoke]],
  ['Bun', binary('bun'), [smoke]],
];

describe('other runtimes', () => {
  for (const [name, bin, args] of runtimes) {
    it.skipIf(!bin)(`${name}: greedy tokens equal onnxruntime-node`, () => {
      const out = execFileSync(bin!, [...args, model], { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeout: 120_000 });
      const r = JSON.parse(out.trim().split('\n').at(-1)!);
      expect(r.device).toBe('wasm');
      expect(r.ids).toEqual(ref);
    });
  }
});
