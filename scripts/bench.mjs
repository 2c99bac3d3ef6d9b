#!/usr/bin/env node
// `npm run bench`: builds the packages, runs each package's bench/index.mjs (which prints one
// JSON object on its last stdout line) and prints all results as one JSON document.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const only = process.argv.slice(2);
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { cwd: root, stdio: ['ignore', 2, 2] });
if (build.status !== 0) {
  console.error('bench: build failed');
  process.exit(1);
}
const results = {};
for (const ws of workspaces) {
  const dir = join(root, ws);
  const script = join(dir, 'bench', 'index.mjs');
  if (!existsSync(script)) continue;
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  if (only.length && !only.some((o) => name.includes(o) || ws.includes(o))) continue;
  console.error(`bench: ${name} …`);
  const run = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    results[name] = JSON.parse(last);
  } catch {
    results[name] = { error: `bench exited with ${run.status} and printed no JSON`, stdout: run.stdout.slice(-2000) };
  }
}
console.log(JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2));
