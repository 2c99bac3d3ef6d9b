// Bench of `tinyzh-train prepare` on the 200,000-story synthetic corpus:
// - whole-pipeline stories/s and peak RSS, extrapolated to the 3,952,863 stories of TinyStories_all_data_zh;
// - a reference measured in the same run: reading + JSON-parsing the same file only (the I/O floor);
// - near-duplicate precision/recall of MinHash LSH (default parameters) against exact Jaccard on a sample.
// Needs the built package (npm run build) and the corpus (generated from ../shared if missing).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
const REAL_STORIES = 3_952_863;
const log = (m) => process.stderr.write(`[bench prepare] ${m}\n`);

function corpus() {
  const path = process.env.TINYZH_BENCH_CORPUS ?? '/tmp/synth-200k.jsonl';
  if (!existsSync(path)) {
    const tool = join(here, '../../../../shared/tools/synth_stories_zh.py');
    log(`generating ${path} with ${tool} (~70 s)`);
    execFileSync('python3', [tool, '--count', '200000', '--seed', '1', '--out', path], { stdio: 'inherit' });
  }
  return path;
}

async function readOnlyRate(path) {
  const t = performance.now();
  let n = 0;
  const rl = createInterface({ input: createReadStream(path, { highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  for await (const line of rl) if (line && typeof JSON.parse(line).story_zh === 'string') n++;
  return n / ((performance.now() - t) / 1000);
}

function runPrepare(path, out) {
  // Run a private copy of dist/ (inside the package, so its dependencies resolve): a rebuild of dist/ during
  // the run would remove the chunk the worker threads load.
  const cache = join(here, '../node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dist = mkdtempSync(join(cache, 'tinyzh-bench-dist-'));
  cpSync(join(here, '../dist'), dist, { recursive: true });
  const t = performance.now();
  const r = spawnSync(process.execPath, [join(here, 'prepare-run.mjs'), '--input', path, '--out', out, '--vocab-size', '4096', '--quiet', '--force'], { encoding: 'utf8', env: { ...process.env, TINYZH_CLI: join(dist, 'cli.js') } });
  rmSync(dist, { recursive: true, force: true });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`prepare failed: ${r.stderr}`);
  const m = /@@BENCH (.*)/.exec(r.stderr);
  const tokMatch = /tokenizer: trained in ([\d.]+) s/.exec(r.stderr);
  const b = m ? JSON.parse(m[1]) : {};
  return { seconds, maxRssBytes: b.maxRssBytes ?? null, cpuSeconds: b.cpuSeconds ?? null, tokenizerSeconds: tokMatch ? Number(tokMatch[1]) : null };
}

/** Pair-level precision/recall of LSH candidates vs exact Jaccard ≥ threshold, on base stories plus edited copies. */
async function nearDupQuality(path) {
  // The MinHash module is internal (not in the package API): bundle it from source with esbuild (tsup's).
  const { build } = await import('esbuild');
  const bundled = join(mkdtempSync(join(tmpdir(), 'tinyzh-bench-mh-')), 'minhash.mjs');
  await build({ entryPoints: [join(here, '../src/data/minhash.ts')], bundle: true, format: 'esm', platform: 'node', outfile: bundled, logLevel: 'warning' });
  const { MinHasher, optimalBands, shingleSet, jaccard } = await import(bundled);
  const threshold = 0.8, ngram = 5, numPerm = 128;
  const { bands, rows } = optimalBands(threshold, numPerm);
  const hasher = new MinHasher({ ngram, numPerm: bands * rows, bands, rows, seed: 0x5eed });
  const texts = [];
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) {
    if (texts.length >= 1000) break;
    texts.push(JSON.parse(line).story_zh.replace(/\n+/g, '\n'));
  }
  rl.close();
  // edited copies: k random substitutions (k = 0..24) and an optional truncation, spreading Jaccard over ~0.4..1
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const base = texts.length;
  for (let i = 0; i < 300; i++) {
    const chars = [...texts[Math.floor(rnd() * base)]];
    const k = Math.floor(rnd() * 25);
    for (let j = 0; j < k; j++) chars[Math.floor(rnd() * chars.length)] = '的了是在有我他她它们'[Math.floor(rnd() * 10)];
    const cut = rnd() < 0.3 ? Math.floor(rnd() * chars.length * 0.15) : 0;
    texts.push(chars.slice(0, chars.length - cut).join(''));
  }
  const sets = texts.map((t) => shingleSet(t, ngram));
  const keys = texts.map((t) => Uint32Array.from(hasher.bandKeys(t)));
  let tp = 0, fp = 0, fn = 0, truePairs = 0, trueHigh = 0, tpHigh = 0;
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      let cand = false;
      for (let b = 0; b < bands && !cand; b++) cand = keys[i][2 * b] === keys[j][2 * b] && keys[i][2 * b + 1] === keys[j][2 * b + 1];
      const J = jaccard(sets[i], sets[j]);
      const dup = J >= threshold;
      if (dup) truePairs++;
      if (J >= 0.9) { trueHigh++; if (cand) tpHigh++; }
      if (cand && dup) tp++; else if (cand) fp++; else if (dup) fn++;
    }
  }
  return {
    nearDupSampleDocs: texts.length, nearDupPairs: truePairs, nearDupBands: bands, nearDupRows: rows,
    nearDupPrecision: tp + fp > 0 ? tp / (tp + fp) : null, nearDupRecall: truePairs > 0 ? tp / truePairs : null,
    nearDupRecallAt09: trueHigh > 0 ? tpHigh / trueHigh : null,
  };
}

export async function run() {
  const path = corpus();
  const out = mkdtempSync(join(tmpdir(), 'tinyzh-bench-prepare-'));
  try {
    log('reference: read + JSON.parse only');
    const refRate = await readOnlyRate(path);
    log(`reference ${refRate.toFixed(0)} stories/s; running the whole prepare (clean + tokenizer training + tokenizing)`);
    const r = runPrepare(path, out);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const index = JSON.parse(readFileSync(join(out, 'index.json'), 'utf8'));
    const stories = report.read.records;
    const rate = stories / r.seconds;
    const cleanRate = stories / report.seconds.clean;
    log(`prepare: ${stories} stories in ${r.seconds.toFixed(1)} s = ${rate.toFixed(0)} stories/s, peak RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
    log('near-dup precision/recall vs exact Jaccard');
    const nd = await nearDupQuality(path);
    return {
      prepareStories: stories,
      prepareCores: availableParallelism(),
      prepareSeconds: Math.round(r.seconds * 10) / 10,
      prepareCleanSeconds: report.seconds.clean,
      prepareTokenizerTrainSeconds: r.tokenizerSeconds,
      prepareStoriesPerSec: Math.round(rate),
      // CPU time of the whole process (all threads): what the run costs independent of other load on the machine
      prepareCpuSeconds: r.cpuSeconds === null ? null : Math.round(r.cpuSeconds * 10) / 10,
      prepareLoadAverage1m: Math.round(loadavg()[0] * 10) / 10,
      prepareCleanStoriesPerSec: Math.round(cleanRate),
      prepareReadOnlyStoriesPerSec: Math.round(refRate),
      prepareRatioToReadOnly: Math.round((rate / refRate) * 1000) / 1000,
      preparePeakRssMiB: r.maxRssBytes ? Math.round(r.maxRssBytes / 2 ** 20) : null,
      prepareKept: index.splits.train.documents + index.splits.val.documents,
      prepareTrainTokens: index.splits.train.tokens,
      prepareExtrapolatedMinutesFor3_95M: Math.round((REAL_STORIES / rate / 60) * 10) / 10,
      ...nd,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
