/**
 * `tinyzh-train tokenizer`: train a byte-fallback BPE tokenizer (`@tinyzh/tokenizer`'s `trainBpe`) on a corpus
 * read with the same readers as `prepare` (stories normalised with NFC + whitespace rules, otherwise uncleaned).
 */
import type { ParseArgsConfig } from 'node:util';
import { UserError } from '../errors.js';
import { parseCommandLine, UsageError, withUsageExit } from './args.js';
import { numberFlag } from '../data/args.js';
import { writeFileAtomic } from '../data/atomic.js';
import { normalizeText } from '../data/normalize.js';
import { listInputFiles, readInputs } from '../data/records.js';
import { trainTokenizer } from '../data/train-tokenizer.js';
import { MIN_VOCAB_SIZE } from '../data/prepare.js';

const HELP = `usage: tinyzh-train tokenizer --input PATH [--input PATH …] --vocab-size N --out tokenizer.json

Trains a byte-fallback BPE tokenizer (Hugging Face tokenizer.json; fixed ids 0 <unk>, 1 <s>, 2 </s>, 3 <pad>,
4..11 reserved, 12..267 bytes) on stories read from .tar.gz, .jsonl, .jsonl.gz, .parquet or .txt inputs.
\`tinyzh-train prepare\` trains one itself on the cleaned train split unless given --tokenizer.

  --input PATH        file or folder (repeatable; plain arguments work too)
  --field NAME        JSON/parquet field of the story (default: story_zh, else story, else text)
  --vocab-size N      total vocabulary, fixed tokens included (default 4096, at least ${MIN_VOCAB_SIZE})
  --min-frequency N   a merge must occur at least N times (default: trainBpe's)
  --max-docs N        use at most the first N stories
  --no-normalize      skip NFC + whitespace normalisation
  --out FILE          where to write tokenizer.json (required)
  -h, --help          this help
`;

/** Run `tokenizer` with command-line arguments. */
export function run(argv: string[]): Promise<number> {
  return withUsageExit(() => runCommand(argv));
}

async function runCommand(argv: string[]): Promise<number> {
  const OPTIONS = {
    input: { type: 'string', multiple: true },
    field: { type: 'string' },
    'vocab-size': { type: 'string' },
    'min-frequency': { type: 'string' },
    'max-docs': { type: 'string' },
    'no-normalize': { type: 'boolean' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  } satisfies NonNullable<ParseArgsConfig['options']>;
  const parsed = parseCommandLine('tokenizer', argv, OPTIONS);
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const inputs = [...(v.input ?? []), ...parsed.positionals];
  if (inputs.length === 0) throw new UsageError('tokenizer: name the corpus with --input PATH (see --help)');
  if (!v.out) throw new UsageError('tokenizer: name the output file with --out FILE (see --help)');
  const vocabSize = numberFlag('vocab-size', v['vocab-size'], 4096, { int: true, min: MIN_VOCAB_SIZE, max: 2 ** 32 - 1 });
  const minFrequency = v['min-frequency'] === undefined ? undefined : numberFlag('min-frequency', v['min-frequency'], 2, { int: true, min: 1 });
  const maxDocs = numberFlag('max-docs', v['max-docs'], Infinity, { int: true, min: 1 });
  const files = await listInputFiles(inputs);
  const normalize = !v['no-normalize'];
  let stories = 0;
  let skipped = 0;
  async function* corpus(): AsyncGenerator<string> {
    for await (const ev of readInputs(files, { field: v.field })) {
      if (ev.kind === 'notice') { process.stderr.write(`${ev.message}\n`); continue; }
      if (ev.kind === 'issue') {
        if (skipped++ < 20) process.stderr.write(`${ev.source}:${ev.line}: ${ev.issue}: ${ev.detail} (skipped)\n`);
        continue;
      }
      const t = normalize ? normalizeText(ev.text) : ev.text;
      if (t.length === 0) continue;
      yield t;
      if (++stories >= maxDocs) return;
    }
  }
  const t0 = performance.now();
  // Read the first story before training so that an empty corpus is refused instead of giving a bytes-only tokenizer.
  const it = corpus();
  const first = await it.next();
  if (first.done) throw new UserError(`tokenizer: no story to train on in ${inputs.join(', ')} (${skipped} records skipped); check --input and --field`);
  async function* all(): AsyncGenerator<string> {
    yield first.value as string;
    yield* it;
  }
  const tok = await trainTokenizer(all(), vocabSize, minFrequency);
  await writeFileAtomic(v.out, tok.toJSON());
  process.stderr.write(`trained a ${tok.vocabSize}-token tokenizer on ${stories} stories (${skipped} records skipped) in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${v.out}\n`);
  return 0;
}
