// The committed `tinyzh-train` shim (what `npx tinyzh-train`, used in the README, runs) reaches the built CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/tinyzh-train.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/cli.js', import.meta.url)));

describe('bin/tinyzh-train.mjs', () => {
  it.skipIf(!built)('prints the command list and each command help', () => {
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const c of ['prepare', 'tokenizer', 'train', 'eval', 'sample', 'export', 'import-hf']) expect(r.stdout).toContain(c);
    for (const c of ['prepare', 'train', 'export']) {
      const h = spawnSync(process.execPath, [bin, c, '--help'], { encoding: 'utf8' });
      expect(h.status, `${c} --help`).toBe(0);
      expect(h.stdout).toContain(`tinyzh-train ${c}`);
    }
  });

  it.skipIf(!built)('no command: usage on stderr, exit 2; a file-system error on --out: one line, exit 1', () => {
    const none = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/usage: tinyzh-train <command>/);
    const dir = mkdtempSync(join(tmpdir(), 'tinyzh-bin-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, JSON.stringify({ story_zh: '从前有一只小猫。'.repeat(10) }) + '\n');
    const r = spawnSync(process.execPath, [bin, 'prepare', '--input', input, '--out', join(file, 'sub'), '--vocab-size', '300'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tinyzh-train: ENOTDIR: not a directory, mkdir .*a-file\/sub/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const tok = spawnSync(process.execPath, [bin, 'prepare', '--input', input, '--out', join(dir, 'out'), '--tokenizer', join(dir, 'nope.json')], { encoding: 'utf8' });
    expect(tok.status).toBe(1);
    expect(tok.stderr).toMatch(/--tokenizer: cannot read '.*nope\.json'/);
    expect(tok.stderr).not.toMatch(/cleaning|clean:/i);
  });
});
