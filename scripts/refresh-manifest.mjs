#!/usr/bin/env node
// Usage: node scripts/refresh-manifest.mjs <model folder>
// Rewrites <folder>/manifest.json (size + SHA-256 of every file in the folder, docs/formats.md "Model folder") after
// files were added by hand, e.g. a model card. Written to a temporary file, then renamed.
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { createManifest } from '@tinyzh/core';

const folder = process.argv[2];
if (!folder || !statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
  console.error('usage: node scripts/refresh-manifest.mjs <model folder>');
  process.exit(2);
}
const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
const files = walk(folder)
  .map((p) => relative(folder, p).split(sep).join('/'))
  .filter((p) => p !== 'manifest.json' && !p.startsWith('.'))
  .map((path) => ({ path, bytes: readFileSync(join(folder, path)) }));
const manifest = await createManifest(files);
const tmp = join(folder, `.manifest.json.tmp-${process.pid}`);
writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
renameSync(tmp, join(folder, 'manifest.json'));
console.log(`manifest.json: ${manifest.files.length} files`);
