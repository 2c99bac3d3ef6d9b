#!/usr/bin/env node
// `npm run story -- "<prompt>"`: the main job. Builds what the example CLI needs (turbo: cached, about a second
// when nothing changed; the build log is shown only if it fails), then runs examples/cli from the folder the user
// started npm in (INIT_CWD), so that a relative `--model` path means what the user expects.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const build = spawnSync('npx', ['turbo', 'run', 'build', '--filter=@tinyzh/example-cli...', '--output-logs=errors-only'], {
  cwd: root,
  encoding: 'utf8',
});
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}\nnpm run story: building the packages failed (see above)\n`);
  process.exit(1);
}
const cli = new URL('../examples/cli/bin/tinyzh.mjs', import.meta.url).pathname;
// Ctrl-C reaches the CLI too (same process group): it stops the story and prints its statistics. Stay alive until
// it has done so instead of dying first.
process.on('SIGINT', () => {});
const r = spawnSync(process.execPath, [cli, 'story', ...process.argv.slice(2)], {
  stdio: 'inherit',
  cwd: process.env.INIT_CWD ?? process.cwd(),
});
if (r.signal === 'SIGINT') process.exit(130);
process.exit(r.status ?? 1);
