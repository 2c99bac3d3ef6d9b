/**
 * Stage 1 of `prepare`: read every input, clean each story (in worker threads), drop exact and near
 * duplicates (first occurrence in input order wins, across both splits so validation never leaks into
 * training), split train/val by hash, and write the kept stories to `train.jsonl`/`val.jsonl` work files
 * (one JSON string a line).
 */
import { AtomicWriter } from './atomic.js';
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

/** Run the cleaning stage. Output files appear (atomically) only when it completes. */
export async function runCleanStage(o: CleanStageOptions): Promise<CleanStats> {
  const t0 = performance.now();
  const stats: CleanStats = {
    records: 0,
    issues: { 'malformed-json': 0, 'invalid-utf8': 0, 'missing-field': 0, 'not-a-string': 0, unreadable: 0 },
    issueExamples: [],
    notices: [],
    changed: { normalize: { count: 0, examples: [] }, t2s: { count: 0, examples: [] } },
    removed: Object.fromEntries(REMOVAL_RULES.map((r) => [r, { count: 0, examples: [] }])) as unknown as CleanStats['removed'],
    kept: { train: { documents: 0, chars: 0 }, val: { documents: 0, chars: 0 } },
    seconds: 0,
  };
  const exact = new U64HashSet(1 << 16);
  const mh = o.config.minhash;
  const lsh = mh ? new LshIndex(mh.bands, 1 << 16) : undefined;
  const valCut = Math.floor(o.valFraction * 2 ** 32);
  const train = await AtomicWriter.open(o.trainPath);
  const val = await AtomicWriter.open(o.valPath);
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
    for await (const ev of readInputs(o.files, { field: o.field, onBytes: (n) => { bytes += n; } })) {
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
    await train.commit();
    await val.commit();
  } catch (e) {
    await train.abort();
    await val.abort();
    throw e;
  } finally {
    await pool.close();
    progress.stop();
  }
  stats.seconds = (performance.now() - t0) / 1000;
  return stats;
}
