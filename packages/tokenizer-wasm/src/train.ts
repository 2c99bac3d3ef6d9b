/**
 * `trainBpe`: learns a tinyzh tokenizer from a corpus in WebAssembly (`crate/src/train.rs`).
 */
import { Tokenizer } from './tokenizer.js';
import { getWasm } from './wasm.js';

/** Options of {@link trainBpe}. */
export interface TrainBpeOptions {
  /** Total vocabulary size including the 12 special and 256 byte tokens; at least 269. */
  vocabSize: number;
  /** A pair is merged only if it occurs at least this often. Default 2. */
  minFrequency?: number;
  /** Characters become tokens, most frequent first, until they cover this fraction of all character occurrences
   * (as SentencePiece's `character_coverage`); rarer characters are encoded as bytes. Default 0.9995. */
  characterCoverage?: number;
  /** Most distinct pre-tokenized pieces kept in memory while counting; beyond it the rarest are dropped.
   * Default 4,000,000 (a few hundred MB of WebAssembly memory). */
  maxPieces?: number;
}

function checkInt(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`trainBpe: ${name} must be an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

/**
 * Trains a byte-fallback BPE tokenizer (Sennrich et al. 2016; SentencePiece/Llama-2 vocabulary layout, see
 * `docs/formats.md`). Each corpus item is one text (a story, a line, a chunk): it is split into same-class runs
 * (CJK, letters, digits, whitespace, punctuation, other) whose counts are kept, so memory is bounded by the number of
 * distinct runs, not the corpus size. Runs never span two items. Merges are then learned with incremental pair
 * counts. Deterministic: the same corpus and options give the same tokenizer.
 * @throws RangeError for bad options; Error for a non-string corpus item.
 */
export async function trainBpe(
  corpus: Iterable<string> | AsyncIterable<string>,
  opts: TrainBpeOptions,
): Promise<Tokenizer> {
  const vocabSize = checkInt('vocabSize', opts?.vocabSize, 269, 0x7fffffff);
  const minFrequency = checkInt('minFrequency', opts.minFrequency ?? 2, 1, 0xffffffff);
  const maxPieces = checkInt('maxPieces', opts.maxPieces ?? 4_000_000, 1024, 0xffffffff);
  const coverage = opts.characterCoverage ?? 0.9995;
  if (typeof coverage !== 'number' || !(coverage > 0 && coverage <= 1)) {
    throw new RangeError(`trainBpe: characterCoverage must be in (0, 1], got ${String(coverage)}`);
  }
  const api = await getWasm();
  const tr = api.x.tz_trainer_new(maxPieces);
  try {
    let i = 0;
    for await (const text of corpus as AsyncIterable<string>) {
      if (typeof text !== 'string') throw new TypeError(`trainBpe: corpus item ${i} is ${typeof text}, expected a string`);
      api.call(() => {
        const len = api.writeText(text);
        if (api.x.tz_trainer_feed(tr, api.scratch(0), len) < 0) throw new Error(`trainBpe: ${api.lastError()}`);
      });
      i++;
    }
    const h = api.call(() => api.x.tz_trainer_finish(tr, vocabSize, minFrequency, coverage));
    if (!h) throw new Error(`trainBpe: ${api.lastError()}`);
    return new Tokenizer(api, h);
  } finally {
    if (!api.broken) api.x.tz_trainer_free(tr);
  }
}
