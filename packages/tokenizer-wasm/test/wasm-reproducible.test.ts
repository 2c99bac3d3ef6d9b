// The committed wasm/tokenizer.wasm is exactly what scripts/build-wasm.sh builds from crate/ — also from a copy of
// the crate at another path (the build is path independent). Skipped when Debian's Rust toolchain with the wasm32
// standard library is missing, except in CI (process.env.CI set), where it must run.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const cargo = process.env.CARGO ?? '/usr/bin/cargo';

function toolchainReady(): boolean {
  if (!existsSync(cargo)) return false;
  try {
    const rustc = join(cargo, '..', 'rustc');
    const sysroot = execFileSync(rustc, ['--print', 'sysroot'], { encoding: 'utf8' }).trim();
    return existsSync(join(sysroot, 'lib', 'rustlib', 'wasm32-unknown-unknown', 'lib'));
  } catch {
    return false;
  }
}

const ready = toolchainReady();
const mustRun = !!process.env.CI;

describe.skipIf(!ready && !mustRun)('wasm build reproducibility', () => {
  it('rebuilding crate/ from another path gives the committed wasm/tokenizer.wasm byte for byte', () => {
    if (!ready) throw new Error(`CI is set but ${cargo} or the wasm32-unknown-unknown standard library is missing (Debian: rustc cargo libstd-rust-dev-wasm32 lld)`);
    const dir = mkdtempSync(join(tmpdir(), 'tinyzh tokenizer copy-'));
    try {
      const root = join(dir, 'elsewhere', 'pkg');
      mkdirSync(join(root, 'crate'), { recursive: true });
      for (const f of ['Cargo.toml', 'Cargo.lock', 'src']) cpSync(join(pkg, 'crate', f), join(root, 'crate', f), { recursive: true });
      cpSync(join(pkg, 'scripts', 'build-wasm.sh'), join(root, 'scripts', 'build-wasm.sh'));
      const out = join(dir, 'out.wasm');
      execFileSync('sh', [join(root, 'scripts', 'build-wasm.sh'), out], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CARGO: cargo } });
      const built = readFileSync(out);
      const committed = readFileSync(join(pkg, 'wasm', 'tokenizer.wasm'));
      expect(built.length, 'size of rebuilt wasm vs committed wasm/tokenizer.wasm (run scripts/build-wasm.sh and commit)').toBe(committed.length);
      expect(Buffer.compare(built, committed), 'rebuilt wasm differs from committed wasm/tokenizer.wasm (run scripts/build-wasm.sh and commit)').toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
