#!/usr/bin/env node
// Manual check that dist/index.js works in Bun, Deno and Cloudflare workerd (not part of `npm test`: those runtimes
// are not dependencies). Binaries from $BUN / $DENO / $WORKERD or PATH; a missing one is reported as skipped.
// e.g. npm install --prefix /tmp/rt bun deno workerd && PATH=/tmp/rt/node_modules/.bin:$PATH node scripts/check-runtimes.mjs
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const here = join(pkg, 'scripts', 'runtimes');
const which = (name, env) => {
  if (process.env[env]) return process.env[env];
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
};
const results = {};
const run = (name, bin, args) => {
  if (!bin) return (results[name] = 'skipped (not found)');
  try {
    results[name] = execFileSync(bin, args, { encoding: 'utf8', cwd: pkg }).trim();
  } catch (e) {
    results[name] = `FAILED: ${e.message}`;
  }
};
run('bun', which('bun', 'BUN'), ['run', join(here, 'check.mjs')]);
run('deno', which('deno', 'DENO'), ['run', '--allow-read', join(here, 'check.mjs')]);

const workerd = which('workerd', 'WORKERD');
if (!workerd) results.workerd = 'skipped (not found)';
else {
  const dir = mkdtempSync(join(tmpdir(), 'tinyzh-workerd-'));
  try {
    copyFileSync(join(here, 'worker.js'), join(dir, 'worker.js'));
    copyFileSync(join(pkg, 'dist', 'index.js'), join(dir, 'tokenizer.js'));
    copyFileSync(join(pkg, 'wasm', 'tokenizer.wasm'), join(dir, 'tokenizer.wasm'));
    for (const f of ['tokenizer.json', 'parity.json']) copyFileSync(join(pkg, 'test', 'fixtures', f), join(dir, f));
    const port = 18000 + Math.floor(Math.random() * 1000);
    writeFileSync(
      join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "tokenizer.js", esModule = embed "tokenizer.js"),
    (name = "tokenizer.wasm", wasm = embed "tokenizer.wasm"),
    (name = "tokenizer.json", text = embed "tokenizer.json"),
    (name = "parity.json", text = embed "parity.json"),
  ],
  compatibilityDate = "2024-09-23",
);
`,
    );
    const child = spawn(workerd, ['serve', join(dir, 'config.capnp')], { stdio: 'ignore' });
    try {
      let text = null;
      for (let i = 0; i < 50 && text === null; i++) {
        await new Promise((r) => setTimeout(r, 200));
        text = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => null);
      }
      results.workerd = text === null ? 'FAILED: no response' : text.trim();
    } finally {
      child.kill();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(JSON.stringify(results));
const passed = (v) => v.startsWith('skipped') || /\b(\d+)\/\1 parity texts match/.test(v);
if (!Object.values(results).every(passed)) process.exit(1);
