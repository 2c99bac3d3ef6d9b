/**
 * `tinyzh-train prepare`: ingest, clean, deduplicate, split and tokenize a story corpus into token shards.
 * See the package README ("Preparing data") and docs/formats.md ("Prepared data").
 */
import { availableParallelism } from 'node:os';
import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';
import { parseCommandLine, UsageError, withUsageExit } from './args.js';
import { numberFlag } from '../data/args.js';
import { MIN_VAL_TOKENS, MIN_VOCAB_SIZE, prepare, PREPARE_DEFAULTS } from '../data/prepare.js';
import { QUALITY_RULES, type QualityRule } from '../data/quality.js';

const d = PREPARE_DEFAULTS;
const HELP = `usage: tinyzh-train prepare --input PATH [--input PATH …] --out DIR [options]

Reads stories, cleans them, removes duplicates, splits train/val and writes uint16 token shards
(DIR/index.json, DIR/tokenizer.json, DIR/{train,val}/shard-NNNNN.bin, DIR/report.json, DIR/report.md).
An interrupted run resumes when started again with the same inputs and options.

input:
  --input PATH             file or folder (repeatable; plain arguments work too): TinyStories_all_data_zh.tar.gz
                           (streamed, never extracted), .jsonl, .jsonl.gz, .parquet, .txt (blank-line separated)
  --field NAME             JSON/parquet field of the story (default: story_zh, else story, else text, with a notice)
  --max-records N          stop after N records (for trials)

cleaning (every rule is on; --no-RULE turns one off):
  --no-normalize           NFC + whitespace/line-break normalisation (never NFKC)
  --no-t2s                 Traditional → Simplified conversion (OpenCC)
  --no-exact-dedup         drop stories whose normalised text was seen before
  --no-near-dedup          drop MinHash-LSH near-duplicates of earlier stories
  --ngram N                near-dup shingle length in characters (default ${d.ngram})
  --num-perm N             MinHash hash functions available for banding (default ${d.numPerm})
  --near-dup-threshold J   Jaccard similarity the LSH bands are tuned for (default ${d.threshold})
  --no-min-chars, --min-chars N          drop stories shorter than N code points (default ${d.minChars})
  --no-cjk-share, --min-cjk-share F      drop stories whose CJK share of letters+digits is below F (default ${d.minCjkShare})
  --no-char-run, --max-char-run N        drop stories repeating one character more than N times in a row (default ${d.maxCharRun})
  --no-mojibake            drop stories with U+FFFD, private-use characters or mis-decoding signatures
  --no-unbalanced-quotes   drop stories whose “” 「」 『』 《》 （） or ASCII " do not pair up
  --no-markup              drop stories with HTML/Markdown/URL/escape leftovers

output:
  --out DIR                output folder (required)
  --val-fraction F         share of stories (by hash of the text) in the validation split (default ${d.valFraction});
                           a warning says when val has fewer than ${MIN_VAL_TOKENS} tokens (train/eval need block size + 1)
  --tokenizer FILE         use this tokenizer.json instead of training one
  --vocab-size N           vocabulary of the tokenizer trained on the cleaned train split (default ${d.vocabSize}, at least ${MIN_VOCAB_SIZE})
  --tokenizer-max-docs N   train the tokenizer on at most N evenly spaced train stories (default ${d.tokenizerMaxDocs})
  --shard-tokens N         close a shard at the first story end after N tokens (default ${d.shardTokens})
  --force                  replace what DIR holds (a finished or unfinished run with other inputs/options)
  --keep-work              keep DIR/.work (the cleaned stories as JSON lines)

running:
  --workers N              worker threads (default: all cores, ${availableParallelism()} here; 0 = main thread only)
  --batch-size N           stories per worker task (default ${d.batchSize})
  --checkpoint-every N     save the cleaning state every N input records, to resume from (default 500000)
  --quiet                  no progress bars
  -h, --help               this help
`;

/** Run `prepare` with command-line arguments. */
export function run(argv: string[]): Promise<number> {
  return withUsageExit(() => runCommand(argv));
}

async function runCommand(argv: string[]): Promise<number> {
  const negatable = ['normalize', 't2s', 'exact-dedup', 'near-dedup', ...QUALITY_RULES];
  const OPTIONS = {
    input: { type: 'string', multiple: true },
    out: { type: 'string' },
    field: { type: 'string' },
    'max-records': { type: 'string' },
    ngram: { type: 'string' },
    'num-perm': { type: 'string' },
    'near-dup-threshold': { type: 'string' },
    'min-chars': { type: 'string' },
    'min-cjk-share': { type: 'string' },
    'max-char-run': { type: 'string' },
    'val-fraction': { type: 'string' },
    tokenizer: { type: 'string' },
    'vocab-size': { type: 'string' },
    'tokenizer-max-docs': { type: 'string' },
    'shard-tokens': { type: 'string' },
    workers: { type: 'string' },
    'batch-size': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    force: { type: 'boolean' },
    'keep-work': { type: 'boolean' },
    quiet: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...Object.fromEntries(negatable.map((n) => [`no-${n}`, { type: 'boolean' as const }])),
  } satisfies NonNullable<ParseArgsConfig['options']>;
  const parsed = parseCommandLine('prepare', argv, OPTIONS);
  const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const inputs = [...((v.input as string[] | undefined) ?? []), ...parsed.positionals];
  if (inputs.length === 0) throw new UsageError('prepare: name the corpus with --input PATH (see --help)');
  if (!v.out) throw new UsageError('prepare: name the output folder with --out DIR (see --help)');
  if (v.tokenizer && v['vocab-size']) throw new UsageError('prepare: give either --tokenizer or --vocab-size, not both');
  const s = (k: string) => v[k] as string | undefined;
  const off = (k: string) => v[`no-${k}`] === true;
  await prepare({
    inputs,
    out: s('out')!,
    field: s('field'),
    maxRecords: s('max-records') === undefined ? undefined : numberFlag('max-records', s('max-records'), 0, { int: true, min: 1 }),
    normalize: !off('normalize'),
    t2s: !off('t2s'),
    exactDedup: !off('exact-dedup'),
    nearDedup: !off('near-dedup'),
    rules: QUALITY_RULES.filter((r: QualityRule) => !off(r)),
    minChars: numberFlag('min-chars', s('min-chars'), d.minChars, { int: true, min: 0 }),
    minCjkShare: numberFlag('min-cjk-share', s('min-cjk-share'), d.minCjkShare, { min: 0, max: 1 }),
    maxCharRun: numberFlag('max-char-run', s('max-char-run'), d.maxCharRun, { int: true, min: 1 }),
    ngram: numberFlag('ngram', s('ngram'), d.ngram, { int: true, min: 1, max: 32 }),
    numPerm: numberFlag('num-perm', s('num-perm'), d.numPerm, { int: true, min: 8, max: 1024 }),
    threshold: numberFlag('near-dup-threshold', s('near-dup-threshold'), d.threshold, { min: 0.01, max: 0.99 }),
    valFraction: numberFlag('val-fraction', s('val-fraction'), d.valFraction, { min: 0, max: 0.99 }),
    tokenizer: s('tokenizer'),
    vocabSize: numberFlag('vocab-size', s('vocab-size'), d.vocabSize, { int: true, min: MIN_VOCAB_SIZE, max: 2 ** 32 - 1 }),
    tokenizerMaxDocs: numberFlag('tokenizer-max-docs', s('tokenizer-max-docs'), d.tokenizerMaxDocs, { int: true, min: 1 }),
    shardTokens: numberFlag('shard-tokens', s('shard-tokens'), d.shardTokens, { int: true, min: 1024, max: 2 ** 31 - 1 }),
    workers: numberFlag('workers', s('workers'), availableParallelism(), { int: true, min: 0, max: 256 }),
    batchSize: numberFlag('batch-size', s('batch-size'), d.batchSize, { int: true, min: 1 }),
    checkpointEvery: numberFlag('checkpoint-every', s('checkpoint-every'), 500_000, { int: true, min: 1000 }),
    force: v.force === true,
    keepWork: v['keep-work'] === true,
    quiet: v.quiet === true,
  });
  return 0;
}
