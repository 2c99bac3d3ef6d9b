// The committed `tinyzh-train` shim (what `npx tinyzh-train`, used in the README, runs) reaches the built CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
});
