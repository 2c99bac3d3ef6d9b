#!/usr/bin/env node
// `npm run story -- "<prompt>"`: the main job. Delegates to the example CLI (examples/cli), run from the folder the
// user started npm in (INIT_CWD), so that a relative `--model` path means what the user expects.
import { spawnSync } from 'node:child_process';
const cli = new URL('../examples/cli/bin/tinyzh.mjs', import.meta.url).pathname;
const r = spawnSync(process.execPath, [cli, 'story', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: process.env.INIT_CWD ?? process.cwd(),
});
if (r.signal === 'SIGINT') process.exit(130);
process.exit(r.status ?? 1);
