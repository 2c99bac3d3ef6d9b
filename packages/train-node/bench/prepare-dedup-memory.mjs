// Memory of the deduplication tables at the scale of TinyStories_all_data_zh: inserts 3,952,863 random
// 64-bit keys into the exact-duplicate set and each LSH band set (default parameters: 9 bands) and
// reports the bytes they hold and the process RSS growth. The tables are the only per-story state
// `prepare` keeps in memory; everything else streams.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const N = 3_952_863;

export async function run() {
  const { build } = await import('esbuild');
  const bundled = join(mkdtempSync(join(tmpdir(), 'tinyzh-bench-hs-')), 'hashset.mjs');
  await build({ entryPoints: [join(here, '../src/data/minhash.ts')], bundle: true, format: 'esm', platform: 'node', outfile: bundled, logLevel: 'warning' });
  const { LshIndex, optimalBands } = await import(bundled);
  const { bands } = optimalBands(0.8, 128);
  const rss0 = process.memoryUsage().rss;
  const t = performance.now();
  const lsh = new LshIndex(bands + 1); // + 1: the exact-duplicate set has the same shape
  const keys = new Uint32Array(2 * (bands + 1));
  let s = 1;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  for (let i = 0; i < N; i++) {
    for (let k = 0; k < keys.length; k++) keys[k] = rnd();
    lsh.insert(keys);
  }
  const seconds = (performance.now() - t) / 1000;
  const rss1 = process.memoryUsage().rss;
  process.stderr.write(`[bench dedup-memory] ${bands + 1} tables × ${N} keys: ${(lsh.byteLength / 2 ** 20).toFixed(0)} MiB, ${seconds.toFixed(1)} s\n`);
  return {
    dedupTablesStories: N,
    dedupTables: bands + 1,
    dedupTablesMiB: Math.round(lsh.byteLength / 2 ** 20),
    dedupTablesRssGrowthMiB: Math.round((rss1 - rss0) / 2 ** 20),
    dedupTablesInsertSeconds: Math.round(seconds * 10) / 10,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await run()));
