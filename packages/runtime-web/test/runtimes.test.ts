/**
 * Smoke tests in other JavaScript runtimes, installed from npm (`deno`, `bun` devDependencies) and run offline on the
 * built package (dist/): 10 greedy tokens must equal onnxruntime-node's. Cloudflare workerd (npm `workerd`) runs a
 * bundle built with its conditions, wasm imported as modules. Skipped when a runtime binary is missing.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { existsSync, readFileSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
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
  ref = await referenceGreedy(join(model, 'onnx/model.onnx'), { num_hidden_layers: 2, num_key_value_heads: 2, head_dim: 16, eos_token_id: 2 }, [2, ...tok.encode('从前')], 10);
  tok.dispose();
});
afterAll(removeCopies);

const runtimes: [string, string | undefined, string[]][] = [
  ['Deno', binary('deno'), ['run', '--allow-read', '--allow-env', '--allow-sys', smoke]],
  ['Bun', binary('bun'), [smoke]],
];

/** Runs the workerd entry: bundle with workerd conditions, config with embedded wasm modules and a disk service. */
async function runWorkerd(bin: string, modelDir: string): Promise<{ ids: number[]; device: string }> {
  const { build } = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'tinyzh-workerd-'));
  try {
    await build({
      entryPoints: [join(here, 'runtimes/workerd-entry.mjs')],
      outfile: join(dir, 'worker.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      conditions: ['workerd', 'worker', 'browser'],
      external: ['./ort.wasm', './tokenizer.wasm', 'node:*', 'fs', 'fs/promises', 'url', 'path', 'os', 'crypto', 'module'],
      logLevel: 'error',
    });
    copyFileSync(join(dirname(req.resolve('onnxruntime-web/wasm')), 'ort-wasm-simd-threaded.wasm'), join(dir, 'ort.wasm'));
    copyFileSync(fileURLToPath(new URL('../wasm/tokenizer.wasm', import.meta.resolve('@tinyzh/tokenizer'))), join(dir, 'tokenizer.wasm'));
    const port = await new Promise<number>((resolve) => {
      const s = createNetServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    writeFileSync(
      join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .w), (name = "files", disk = (path = ${JSON.stringify(modelDir)}, writable = false)) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const w :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js"), (name = "ort.wasm", wasm = embed "ort.wasm"), (name = "tokenizer.wasm", wasm = embed "tokenizer.wasm") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "FILES", service = "files") ],
);
`,
    );
    const child = spawn(bin, ['serve', join(dir, 'config.capnp')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    try {
      for (let i = 0; ; i++) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/`);
          const body = await res.text();
          if (!res.ok) throw new Error(`workerd answered ${res.status}: ${body}`);
          return JSON.parse(body);
        } catch (e) {
          if (i > 60 || (e as Error).message.startsWith('workerd answered')) throw new Error(`${(e as Error).message}\n${stderr}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    } finally {
      child.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('other runtimes', () => {
  const workerd = (() => {
    try {
      const p = join(dirname(req.resolve('workerd/package.json')), 'bin/workerd');
      return existsSync(p) ? p : undefined;
    } catch {
      return undefined;
    }
  })();
  it.skipIf(!workerd)('Cloudflare workerd: greedy tokens equal onnxruntime-node', async () => {
    const r = await runWorkerd(workerd!, model);
    expect(r.device).toBe('wasm');
    expect(r.ids).toEqual(ref);
  });

  for (const [name, bin, args] of runtimes) {
    it.skipIf(!bin)(`${name}: greedy tokens equal onnxruntime-node`, () => {
      const out = execFileSync(bin!, [...args, model], { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeout: 120_000 });
      const r = JSON.parse(out.trim().split('\n').at(-1)!);
      expect(r.device).toBe('wasm');
      expect(r.ids).toEqual(ref);
    });
  }
});
