#!/usr/bin/env node
// The `tinyzh-train` command. Committed (not built) so that `npm ci` links it before anything is built; it runs the
// built CLI in dist/, and says how to build it when it is missing.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('tinyzh-train: the package is not built yet (dist/cli.js is missing): run `npm run build` at the repository root');
  process.exit(1);
}
await import(cli.href);
