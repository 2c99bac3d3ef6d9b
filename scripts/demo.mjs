#!/usr/bin/env node
// `npm run demo`: build and serve the static web demo (examples/web-demo) on localhost.
import { spawnSync } from 'node:child_process';
const r = spawnSync('npm', ['run', 'demo', '-w', 'examples/web-demo', '--', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
