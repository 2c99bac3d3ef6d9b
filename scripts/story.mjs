#!/usr/bin/env node
// `npm run story -- "<prompt>"`: the main job. Delegates to the example CLI (examples/cli).
import { spawnSync } from 'node:child_process';
const cli = new URL('../examples/cli/bin/tinyzh.mjs', import.meta.url).pathname;
const r = spawnSync(process.execPath, [cli, 'story', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
