/**
 * Stage 1 of `prepare`: read every input, clean each story (in worker threads), drop exact and near
 * duplicates (first occurrence in input order wins, across both splits so validation never leaks into
 * training), split train/val by hash, and write the kept stories to `train.jsonl`/`val.jsonl` work files
 * (one JSON string a line).
 *
 * Resumable: every `checkpointEvery` records it saves the dedup tables, the statistics and the lengths of the
 * work files in `workDir`; a rerun skips the records already handled (reading them is cheap) and continues.
 */
import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendWriter } from './append-writer.js';
import { AtomicWriter, writeFileAtomic } from './atomic.js';
import { type CleanConfig, type CleanResult, STATUS_EMPTY } from './clean-task.js';
import { U64HashSet } from './hashset.js';
import { LshIndex } from './minhash.js';
import { OrderedQueue, WorkerPool } from './pool.js';
import { Progress } from './progress.js';
import { charCount, QUALITY_RULES } from './quality.js';
import { type InputFile, type InputIssueKind, readInputs } from './records.js';

/** Every reason a story is removed, in report order. */
export const REMOVAL_RULES = ['empty', ...QUALITY_RULES, 'exact-dup', 'near-dup'] as const;
export type RemovalRule = (typeof REMOVAL_RULES)[number];

export interface Example { source: string; line: number; text: string }
export interface IssueExample { issue: InputIssueKind; source: string; line: number; detail: string }

/** What the cleaning stage did; saved in the work state and turned into `report.json`. */
export interface CleanStats {
  /** Records read that had a story string. */
  records: number;
  /** Records skipped while reading, by kind. */
  issues: Record<InputIssueKind, number>;
  /** The first {@link MAX_ISSUE_EXAMPLES} issues of each kind, with file and line. */
  issueExamples: IssueExample[];
  notices: string[];
  /** Stories changed (not removed) by normalisation / Traditional→Simplified conversion. */
  changed: { normalize: { count: number; examples: Example[] }; t2s: { count: number; examples: Example[] } };
  /** Stories removed, by rule, with a few examples. */
  removed: Record<RemovalRule, { count: number; examples: Example[] }>;
  kept: { train: { documents: number; chars: number }; val: { documents: number; chars: number } };
  seconds: number;
}

export interface CleanStageOptions {
  files: InputFile[];
  field?: string;
  config: CleanConfig;
  exactDedup: boolean;
  /** Share of stories (by hash) that go to validation, 0..1. */
  valFraction: number;
  workers: number;
  batchSize: number;
  /** Stop after this many records (for quick trials). */
  maxRecords?: number;
  trainPath: string;
  valPath: string;
  /** Folder for checkpoints (the run's `.work`). */
  workDir: string;
  /** Input records (stories + skipped records) between checkpoints. Default 500,000. */
  checkpointEvery?: number;
  /** Identifies the run: a checkpoint with another fingerprint is ignored. */
  fingerprint: string;
  quiet: boolean;
  /** Called for each issue and notice as it happens (e.g. to print the first few). */
  onEvent?: (message: string) => void;
}

const MAX_EXAMPLES = 3;
export const MAX_ISSUE_EXAMPLES = 20;
const EXAMPLE_CHARS = 160;

function clip(text: string): string {
  return text.length > EXAMPLE_CHARS ? `${text.slice(0, EXAMPLE_CHARS)}…` : text;
}

interface Checkpoint {
  fingerprint: string;
  seq: number;
  /** Input events (stories + issues) handled. */
  events: number;
  stats: CleanStats;
  trainBytes: number;
  valBytes: number;
  /** Binary file with every table's `hi` then `lo` arrays, in `tables` order. */
  tablesFile: string;
  tables: { length: number; size: number }[];
}

async function saveCheckpoint(dir: string, ck: Omit<Checkpoint, 'tablesFile' | 'tables'>, sets: U64HashSet[]): Promise<void> {
  const tablesFile = `clean-tables-${ck.seq}.bin`;
  const w = await AtomicWriter.open(join(dir, tablesFile));
  const tables = [];
  for (const set of sets) {
    const { hi, lo, size } = set.toArrays();
    await w.write(Buffer.from(hi.buffer, hi.byteOffset, hi.byteLength));
    await w.write(Buffer.from(lo.buffer, lo.byteOffset, lo.byteLength));
    tables.push({ length: hi.length, size });
  }
  await w.commit();
  await writeFileAtomic(join(dir, 'clean-checkpoint.json'), JSON.stringify({ ...ck, tablesFile, tables }));
  if (ck.seq > 1) await rm(join(dir, `clean-tables-${ck.seq - 1}.bin`), { force: true });
}

async function loadCheckpoint(dir: string, fingerprint: string): Promise<{ ck: Checkpoint; sets: U64HashSet[] } | undefined> {
  const path = join(dir, 'clean-checkpoint.json');
  if (!existsSync(path)) return undefined;
  const ck = JSON.parse(await readFile(path, 'utf8')) as Checkpoint;
  if (ck.fingerprint !== fingerprint) return undefined;
  const buf = await readFile(join(dir, ck.tablesFile));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  let off = 0;
  const sets = ck.tables.map((t) => {
    const hi = new Uint32Array(ab, off, t.length);
    off += t.length * 4;
    const lo = new Uint32Array(ab, off, t.length);
    off += t.length * 4;
    return U64HashSet.fromArrays(hi, lo, t.size);
  });
  return { ck, sets };
}

/** Run the cleaning stage. Output files appear (renamed into place) only when it completes. */
export async function runCleanStage(o: CleanStageOptions): Promise<CleanStats> {
  const t0 = performance.now();
  let stats: CleanStats = {
    records: 0,
    issues: { 'malformed-json': 0, 'invalid-utf8': 0, 'missing-field': 0, 'not-a-string': 0, unreadable: 0 },
    issueExamples: [],
    notices: [],
    changed: { normalize: { count: 0, examples: [] }, t2s: { count: 0, examples: [] } },
    removed: Object.fromEntries(REMOVAL_RULES.map((r) => [r, { count: 0, examples: [] }])) as unknown as CleanStats['removed'],
    kept: { train: { documents: 0, chars: 0 }, val: { documents: 0, chars: 0 } },
    seconds: 0,
  };
  let exact = new U64HashSet(1 << 16);
  const mh = o.config.minhash;
  let lsh = mh ? new LshIndex(mh.bands, 1 << 16) : undefined;
  const valCut = Math.floor(o.valFraction * 2 ** 32);
  const every = o.checkpointEvery ?? 500_000;
  const resumed = await loadCheckpoint(o.workDir, o.fingerprint);
  let skip = 0;
  let seq = 0;
  let secondsBefore = 0;
  if (resumed) {
    ({ stats } = resumed.ck);
    secondsBefore = stats.seconds;
    exact = resumed.sets[0];
    if (mh) lsh = new LshIndex(mh.bands, 0, resumed.sets.slice(1));
    skip = resumed.ck.events;
    seq = resumed.ck.seq;
    o.onEvent?.(`cleaning: resuming after ${skip} records (checkpoint ${seq})`);
  }
  const train = await AppendWriter.open(`${o.trainPath}.partial`, resumed?.ck.trainBytes ?? 0);
  const val = await AppendWriter.open(`${o.valPath}.partial`, resumed?.ck.valBytes ?? 0);
  const pool = new WorkerPool(o.workers);
  const totalBytes = o.files.reduce((s, f) => s + f.size, 0);
  let bytes = 0;
  const progress = new Progress('clean', totalBytes, 'input bytes', o.quiet);

  const remove = (rule: RemovalRule, ex: Example) => {
    const r = stats.removed[rule];
    r.count++;
    if (r.examples.length < MAX_EXAMPLES) r.examples.push({ ...ex, text: clip(ex.text) });
  };

  type Batch = { where: { source: string; line: number }[]; raw: string[] };
  const consume = async ([batch, res]: [Batch, CleanResult]) => {
    const bandsPer = mh ? mh.bands * 2 : 0;
    let trainOut = '';
    let valOut = '';
    for (let i = 0; i < batch.raw.length; i++) {
      const text = res.texts[i];
      const where = batch.where[i];
      const ex = { ...where, text };
      if (res.changed[i] & 1) {
        stats.changed.normalize.count++;
        if (stats.changed.normalize.examples.length < MAX_EXAMPLES && batch.raw[i].length < 400) {
          stats.changed.normalize.examples.push({ ...where, text: JSON.stringify(batch.raw[i]) + ' → ' + JSON.stringify(text) });
        }
      }
      if (res.changed[i] & 2) {
        stats.changed.t2s.count++;
        if (stats.changed.t2s.examples.length < MAX_EXAMPLES) stats.changed.t2s.examples.push({ ...where, text: clip(text) });
      }
      const st = res.status[i];
      if (st === STATUS_EMPTY) { remove('empty', ex); continue; }
      if (st !== 0) { remove(QUALITY_RULES[st - 1], ex); continue; }
      if (o.exactDedup && !exact.add(res.exact[2 * i], res.exact[2 * i + 1])) { remove('exact-dup', ex); continue; }
      if (lsh) {
        const off = i * bandsPer;
        if (lsh.hasAny(res.bands, off)) { remove('near-dup', ex); continue; }
        lsh.insert(res.bands, off);
      }
      const isVal = res.split[i] < valCut;
      const line = JSON.stringify(text) + '\n';
      const k = isVal ? stats.kept.val : stats.kept.train;
      k.documents++;
      k.chars += charCount(text);
      if (isVal) valOut += line;
      else trainOut += line;
    }
    if (trainOut) await train.write(trainOut);
    if (valOut) await val.write(valOut);
    progress.update(bytes, stats.records);
  };

  const queue = new OrderedQueue<[Batch, CleanResult]>(Math.max(2, pool.size * 3), consume);
  try {
    await pool.setup('clean', o.config);
    let batch: Batch = { where: [], raw: [] };
    const flush = async () => {
      const b = batch;
      batch = { where: [], raw: [] };
      await queue.push(pool.run('clean', b.raw).then((r) => [b, r] as [Batch, CleanResult]));
    };
    let events = 0;
    const checkpoint = async () => {
      if (batch.raw.length > 0) await flush();
      await queue.drain();
      seq++;
      stats.seconds = secondsBefore + (performance.now() - t0) / 1000;
      await saveCheckpoint(o.workDir, { fingerprint: o.fingerprint, seq, events, stats, trainBytes: await train.sync(), valBytes: await val.sync() },
        [exact, ...(lsh ? lsh.sets : [])]);
    };
    for await (const ev of readInputs(o.files, { field: o.field, onBytes: (n) => { bytes += n; } })) {
      if (events < skip) {
        if (ev.kind !== 'notice') events++;
        if (events % 4096 === 0) progress.update(bytes, events);
        continue;
      }
      if (ev.kind !== 'notice' && events > 0 && events % every === 0 && events !== skip) await checkpoint();
      if (ev.kind !== 'notice') events++;
      if (ev.kind === 'notice') {
        stats.notices.push(ev.message);
        o.onEvent?.(ev.message);
        continue;
      }
      if (ev.kind === 'issue') {
        stats.issues[ev.issue]++;
        if (stats.issues[ev.issue] <= MAX_ISSUE_EXAMPLES) {
          stats.issueExamples.push({ issue: ev.issue, source: ev.source, line: ev.line, detail: ev.detail });
          o.onEvent?.(`${ev.source}:${ev.line}: ${ev.issue}: ${ev.detail} (skipped)`);
        }
        continue;
      }
      stats.records++;
      batch.where.push({ source: ev.source, line: ev.line });
      batch.raw.push(ev.text);
      if (batch.raw.length >= o.batchSize) await flush();
      if (o.maxRecords !== undefined && stats.records >= o.maxRecords) break;
    }
    if (batch.raw.length > 0) await flush();
    await queue.drain();
    await train.close();
    await val.close();
    await rename(`${o.trainPath}.partial`, o.trainPath);
    await rename(`${o.valPath}.partial`, o.valPath);
  } catch (e) {
    await train.close().catch(() => undefined);
    await val.close().catch(() => undefined);
    throw e;
  } finally {
    await pool.close();
    progress.stop();
  }
  stats.seconds = secondsBefore + (performance.now() - t0) / 1000;
  return stats;
}
