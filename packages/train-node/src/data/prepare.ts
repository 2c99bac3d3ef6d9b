/**
 * `prepare`: the whole data pipeline, in resumable stages —
 * 1. clean (read, normalise, filter, deduplicate, split) → work files + `report.json`/`report.md`;
 * 2. tokenizer (use `--tokenizer`, or train byte-fallback BPE on the cleaned train split) → `tokenizer.json`;
 * 3. tokenize each split → shards (each shard recorded as soon as it is written);
 * 4. `index.json` (written last: its presence means the folder is complete).
 *
 * Progress is kept in `OUT/.work/state.json` together with a fingerprint of the inputs (path, size, mtime)
 * and of every option that changes the output; a rerun with the same fingerprint continues where the
 * previous run stopped (after the last completed stage or shard). Layout: docs/formats.md, "Prepared data".
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { type CleanStats, runCleanStage } from './clean-stage.js';
import type { CleanConfig } from './clean-task.js';
import { decodeUtf8, splitLines } from './lines.js';
import { optimalBands } from './minhash.js';
import { OrderedQueue, WorkerPool } from './pool.js';
import { Progress } from './progress.js';
import { QUALITY_RULES, type QualityRule } from './quality.js';
import { listInputFiles } from './records.js';
import { buildReport, renderReportMarkdown } from './report.js';
import { type ShardInfo, ShardWriter } from './shards.js';
import type { TokenizeResult } from './tokenize-task.js';
import { loadTokenizer } from './tokenizer-module.js';
import { trainTokenizer } from './train-tokenizer.js';

/** Options of {@link prepare}; the CLI flags map one to one (see `tinyzh-train prepare --help`). */
export interface PrepareOptions {
  inputs: string[];
  out: string;
  /** JSON/parquet field of the story; default `story_zh`, falling back to `story`/`text` with a notice. */
  field?: string;
  normalize: boolean;
  t2s: boolean;
  exactDedup: boolean;
  nearDedup: boolean;
  /** Enabled quality rules. */
  rules: QualityRule[];
  minChars: number;
  minCjkShare: number;
  maxCharRun: number;
  /** Near-duplicate shingle length in characters. */
  ngram: number;
  /** MinHash hash functions available for banding. */
  numPerm: number;
  /** Jaccard similarity the LSH bands are tuned for. */
  threshold: number;
  valFraction: number;
  /** An existing tokenizer.json; otherwise one is trained with `vocabSize`. */
  tokenizer?: string;
  vocabSize: number;
  /** At most this many train stories (evenly spaced) feed tokenizer training. */
  tokenizerMaxDocs: number;
  shardTokens: number;
  /** Worker threads (0 = in the main thread). */
  workers: number;
  batchSize: number;
  /** Discard previous output/progress in `out` instead of refusing. */
  force: boolean;
  /** Keep `out/.work` (the cleaned text) after success. */
  keepWork: boolean;
  quiet: boolean;
  maxRecords?: number;
  /** Records between cleaning checkpoints (default 500,000). */
  checkpointEvery?: number;
  /** Where messages go (default: stderr). */
  log?: (message: string) => void;
}

export const PREPARE_DEFAULTS = {
  normalize: true,
  t2s: true,
  exactDedup: true,
  nearDedup: true,
  rules: [...QUALITY_RULES] as QualityRule[],
  minChars: 40,
  minCjkShare: 0.6,
  maxCharRun: 10,
  ngram: 5,
  numPerm: 128,
  threshold: 0.8,
  valFraction: 0.01,
  vocabSize: 4096,
  tokenizerMaxDocs: 500_000,
  shardTokens: 1 << 24,
  batchSize: 256,
  force: false,
  keepWork: false,
  quiet: false,
} satisfies Partial<PrepareOptions>;

/** One split in `index.json`. */
export interface SplitIndex { tokens: number; documents: number; chars: number; shards: ShardInfo[] }

/** `index.json` (format "tinyzh-tokens", version 1). */
export interface TokensIndex {
  format: 'tinyzh-tokens';
  version: 1;
  dtype: 'uint16' | 'uint32';
  vocab_size: number;
  eos_id: number;
  /** Tokens appended after each story (`</s>`); no `<s>` is written. */
  separator: '</s>';
  tokenizer: { file: 'tokenizer.json'; sha256: string; trained: boolean };
  splits: { train: SplitIndex; val: SplitIndex };
  shard_tokens: number;
  report: 'report.json';
  fingerprint: string;
}

interface WorkState {
  fingerprint: string;
  clean?: CleanStats;
  tokenizer?: { sha256: string; trained: boolean };
  splits: { train?: { shards: ShardInfo[]; complete: boolean }; val?: { shards: ShardInfo[]; complete: boolean } };
}

const SPLITS = ['train', 'val'] as const;

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The options that change the output (not workers, batch size, quiet…). */
function outputOptions(o: PrepareOptions, bands?: { bands: number; rows: number }): Record<string, unknown> {
  return {
    field: o.field ?? null, normalize: o.normalize, t2s: o.t2s, exactDedup: o.exactDedup, nearDedup: o.nearDedup,
    rules: [...o.rules].sort(), minChars: o.minChars, minCjkShare: o.minCjkShare, maxCharRun: o.maxCharRun,
    ngram: o.ngram, numPerm: o.numPerm, threshold: o.threshold, bands: bands ?? null, valFraction: o.valFraction,
    tokenizer: o.tokenizer ?? null, vocabSize: o.tokenizer ? null : o.vocabSize, tokenizerMaxDocs: o.tokenizerMaxDocs,
    shardTokens: o.shardTokens, maxRecords: o.maxRecords ?? null,
  };
}

/** Read a work file of cleaned stories (one JSON string a line). */
export async function* readCleanStories(path: string, skip = 0): AsyncGenerator<string> {
  let n = 0;
  for await (const { bytes } of splitLines(createReadStream(path, { highWaterMark: 1 << 20 }))) {
    if (n++ < skip) continue;
    yield JSON.parse(decodeUtf8(bytes) ?? '""') as string;
  }
}

/**
 * Fewest validation tokens prepare accepts without a warning: one 256-token block (the `tiny` preset's context) + the
 * target token of its last position.
 */
export const MIN_VAL_TOKENS = 257;

/** Smallest `--vocab-size` for a trained tokenizer: the 268 fixed tokens (specials, reserved, bytes) + 16 merges. */
export const MIN_VOCAB_SIZE = 268 + 16;

function validate(o: PrepareOptions): void {
  const bad = (flag: string, why: string) => { throw new UserError(`--${flag}: ${why}`); };
  if (o.inputs.length === 0) bad('input', 'name at least one input file or folder');
  if (!(o.valFraction >= 0 && o.valFraction < 1)) bad('val-fraction', 'expected a number in [0, 1)');
  if (!(o.minCjkShare >= 0 && o.minCjkShare <= 1)) bad('min-cjk-share', 'expected a number in [0, 1]');
  if (!(o.threshold > 0 && o.threshold < 1)) bad('near-dup-threshold', 'expected a number in (0, 1)');
  if (!(Number.isInteger(o.ngram) && o.ngram >= 1 && o.ngram <= 32)) bad('ngram', 'expected an integer 1..32');
  if (!(Number.isInteger(o.numPerm) && o.numPerm >= 8 && o.numPerm <= 1024)) bad('num-perm', 'expected an integer 8..1024');
  if (!(Number.isInteger(o.shardTokens) && o.shardTokens >= 1024 && o.shardTokens < 2 ** 31)) bad('shard-tokens', 'expected an integer 1024..2^31-1');
  if (!o.tokenizer && !(Number.isInteger(o.vocabSize) && o.vocabSize >= MIN_VOCAB_SIZE)) bad('vocab-size', `expected an integer ≥ ${MIN_VOCAB_SIZE} (268 fixed tokens + 16 merges)`);
  if (!(Number.isInteger(o.workers) && o.workers >= 0)) bad('workers', 'expected an integer ≥ 0');
}

/** Reads and checks a `--tokenizer` file. @throws UserError naming the file when it cannot be read or loaded */
async function readTokenizerFile(path: string): Promise<string> {
  let json: string;
  try {
    json = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`--tokenizer: cannot read '${path}'`);
  }
  try {
    (await loadTokenizer(json)).toJSON();
  } catch (e) {
    throw new UserError(`--tokenizer: '${path}' is not a usable tokenizer.json: ${(e as Error).message}`);
  }
  return json;
}

/**
 * Run (or resume) the pipeline.
 * @returns the index written to `out/index.json` and the cleaning report
 * @throws UserError for bad options or inputs, or when `out` holds a different run and `force` is off
 */
export async function prepare(o: PrepareOptions): Promise<{ index: TokensIndex; report: ReturnType<typeof buildReport> }> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  validate(o);
  if (o.tokenizer) await readTokenizerFile(o.tokenizer); // a bad --tokenizer fails now, not after the cleaning
  const files = await listInputFiles(o.inputs);
  const bands = o.nearDedup ? optimalBands(o.threshold, o.numPerm) : undefined;
  const options = outputOptions(o, bands);
  const stamped = await Promise.all(files.map(async (f) => ({ path: f.path, size: f.size, mtime: Math.floor((await stat(f.path)).mtimeMs) })));
  const fingerprint = sha256(JSON.stringify({ files: stamped, options }));
  const work = join(o.out, '.work');
  const statePath = join(work, 'state.json');
  const indexPath = join(o.out, 'index.json');

  if (existsSync(indexPath)) {
    const old = JSON.parse(await readFile(indexPath, 'utf8')) as TokensIndex;
    if (old.fingerprint === fingerprint && !o.force) {
      log(`${o.out} is already prepared from these inputs and options (index.json); nothing to do`);
      return { index: old, report: JSON.parse(await readFile(join(o.out, 'report.json'), 'utf8')) };
    }
    if (!o.force) throw new UserError(`${o.out} already holds prepared data from other inputs or options; pass --force to replace it, or choose another --out`);
  }
  let state: WorkState | undefined;
  if (existsSync(statePath)) {
    const old = JSON.parse(await readFile(statePath, 'utf8')) as WorkState;
    if (old.fingerprint === fingerprint && !o.force) {
      state = old;
      log(`resuming the interrupted run in ${o.out}`);
    } else if (!o.force) {
      throw new UserError(`${o.out} holds an unfinished run with other inputs or options; pass --force to start over, or choose another --out`);
    }
  }
  if (!state) {
    if (o.force) {
      for (const p of ['index.json', 'report.json', 'report.md', 'tokenizer.json', 'train', 'val', '.work']) await rm(join(o.out, p), { recursive: true, force: true });
    }
    state = { fingerprint, splits: {} };
    await mkdir(work, { recursive: true });
    await writeFileAtomic(statePath, JSON.stringify(state));
  }
  const save = () => writeFileAtomic(statePath, JSON.stringify(state));

  // 1. clean (resumes from its last checkpoint if it was interrupted)
  if (!state.clean) {
    await removeTemporaries(work);
    const config: CleanConfig = {
      normalize: o.normalize,
      t2s: o.t2s,
      quality: { enabled: o.rules, minChars: o.minChars, minCjkShare: o.minCjkShare, maxCharRun: o.maxCharRun },
      minhash: bands ? { ngram: o.ngram, numPerm: bands.bands * bands.rows, bands: bands.bands, rows: bands.rows, seed: 0x5eed } : undefined,
    };
    let shown = 0;
    state.clean = await runCleanStage({
      files, field: o.field, config, exactDedup: o.exactDedup, valFraction: o.valFraction, workers: o.workers,
      batchSize: o.batchSize, maxRecords: o.maxRecords, trainPath: join(work, 'train.jsonl'), valPath: join(work, 'val.jsonl'),
      workDir: work, fingerprint, checkpointEvery: o.checkpointEvery, quiet: o.quiet,
      onEvent: (m) => { if (shown++ < 20) log(m); else if (shown === 21) log('(more problems are listed in report.json)'); },
    });
    await save();
  } else {
    log('cleaning: done in an earlier run');
  }
  const report = buildReport(state.clean, files, options);
  await writeFileAtomic(join(o.out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  await writeFileAtomic(join(o.out, 'report.md'), renderReportMarkdown(report));
  const kept = state.clean.kept;
  if (kept.train.documents === 0) {
    const unreadable = Object.values(state.clean.issues).reduce((a, b) => a + b, 0);
    throw new UserError(`no story survived cleaning (read ${state.clean.records + unreadable} records: ${state.clean.records} stories, ${unreadable} unreadable); see ${join(o.out, 'report.md')}`);
  }

  // 2. tokenizer
  const tokPath = join(o.out, 'tokenizer.json');
  let tokenizerJson: string;
  if (state.tokenizer && existsSync(tokPath)) {
    tokenizerJson = await readFile(tokPath, 'utf8');
    log('tokenizer: done in an earlier run');
  } else if (o.tokenizer) {
    tokenizerJson = await readTokenizerFile(o.tokenizer);
    await writeFileAtomic(tokPath, tokenizerJson);
    state.tokenizer = { sha256: sha256(tokenizerJson), trained: false };
    await save();
  } else {
    const t = performance.now();
    const stride = Math.max(1, Math.ceil(kept.train.documents / o.tokenizerMaxDocs));
    log(`tokenizer: training byte-fallback BPE, vocab ${o.vocabSize}, on ${Math.ceil(kept.train.documents / stride)} train stories`);
    const tok = await trainTokenizer(sampleEvery(readCleanStories(join(work, 'train.jsonl')), stride), o.vocabSize);
    tokenizerJson = tok.toJSON();
    await writeFileAtomic(tokPath, tokenizerJson);
    state.tokenizer = { sha256: sha256(tokenizerJson), trained: true };
    await save();
    log(`tokenizer: trained in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const tok = await loadTokenizer(tokenizerJson);
  const vocabSize = tok.vocabSize;
  const eosId = tok.eosId;
  const dtype = vocabSize > 65536 ? 'uint32' : 'uint16';

  // 3. tokenize
  const pool = new WorkerPool(o.workers);
  try {
    let setUp = false;
    for (const split of SPLITS) {
      const s = (state.splits[split] ??= { shards: [], complete: false });
      if (s.complete) { log(`${split}: tokenized in an earlier run`); continue; }
      if (!setUp) { await pool.setup('tokenize', { tokenizerJson, dtype }); setUp = true; }
      await mkdir(join(o.out, split), { recursive: true });
      await removeTemporaries(join(o.out, split));
      const skip = s.shards.reduce((n, x) => n + x.documents, 0);
      if (skip > 0) log(`${split}: resuming after ${s.shards.length} shards (${skip} stories)`);
      const writer = new ShardWriter(o.out, split, o.shardTokens, s.shards.length, async (info) => { s.shards.push(info); await save(); });
      const total = kept[split].documents;
      const progress = new Progress(`tok ${split}`, total, 'stories', o.quiet);
      let done = skip;
      const queue = new OrderedQueue<[number, TokenizeResult]>(Math.max(2, pool.size * 3), async ([n, r]) => {
        await writer.add(r);
        done += n;
        progress.update(done, done);
      });
      try {
        let batch: string[] = [];
        for await (const text of readCleanStories(join(work, `${split}.jsonl`), skip)) {
          batch.push(text);
          if (batch.length >= o.batchSize) {
            const b = batch;
            batch = [];
            await queue.push(pool.run('tokenize', b).then((r) => [b.length, r] as [number, TokenizeResult]));
          }
        }
        if (batch.length > 0) await queue.push(pool.run('tokenize', batch).then((r) => [batch.length, r] as [number, TokenizeResult]));
        await queue.drain();
        await writer.finish();
      } catch (e) {
        await writer.abort();
        throw e;
      } finally {
        progress.stop();
      }
      s.complete = true;
      await save();
    }
  } finally {
    await pool.close();
  }

  // 4. index
  const splitIndex = (split: 'train' | 'val'): SplitIndex => {
    const shards = state.splits[split]!.shards;
    return {
      tokens: shards.reduce((n, x) => n + x.tokens, 0),
      documents: shards.reduce((n, x) => n + x.documents, 0),
      chars: shards.reduce((n, x) => n + x.chars, 0),
      shards,
    };
  };
  const index: TokensIndex = {
    format: 'tinyzh-tokens',
    version: 1,
    dtype,
    vocab_size: vocabSize,
    eos_id: eosId,
    separator: '</s>',
    tokenizer: { file: 'tokenizer.json', sha256: state.tokenizer!.sha256, trained: state.tokenizer!.trained },
    splits: { train: splitIndex('train'), val: splitIndex('val') },
    shard_tokens: o.shardTokens,
    report: 'report.json',
    fingerprint,
  };
  await writeFileAtomic(indexPath, JSON.stringify(index, null, 2) + '\n');
  if (!o.keepWork) await rm(work, { recursive: true, force: true });
  const val = index.splits.val;
  if (val.tokens < MIN_VAL_TOKENS) {
    const total = index.splits.train.tokens + val.tokens;
    const suggest = Math.min(0.5, Number(((2 * MIN_VAL_TOKENS) / Math.max(1, total)).toPrecision(1)) || 0.5);
    log(
      `warning: the validation split has only ${val.tokens} tokens (${val.documents} stories), fewer than one ${MIN_VAL_TOKENS - 1}-token block + 1; ` +
        `'tinyzh-train train' and 'eval' need at least block-size + 1 of them. Run prepare again with a larger --val-fraction ` +
        `(now ${o.valFraction}; e.g. --val-fraction ${Math.max(suggest, o.valFraction * 2)} --force) or add stories.`,
    );
  }
  log(`prepared ${o.out}: train ${index.splits.train.documents} stories / ${index.splits.train.tokens} tokens, val ${index.splits.val.documents} stories / ${index.splits.val.tokens} tokens (${dtype}, vocab ${vocabSize})`);
  return { index, report };
}

async function* sampleEvery<T>(it: AsyncIterable<T>, stride: number): AsyncGenerator<T> {
  let i = 0;
  for await (const x of it) if (i++ % stride === 0) yield x;
}

async function removeTemporaries(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  for (const name of await readdir(dir)) if (name.includes('.tmp-')) await rm(join(dir, name), { force: true });
}
