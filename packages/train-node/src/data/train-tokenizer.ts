/**
 * Tokenizer training for `prepare` and `tinyzh-train tokenizer`: byte-fallback BPE with `@tinyzh/tokenizer`'s
 * `trainBpe` (fixed special and byte tokens, merges never cross script boundaries — docs/formats.md, "Tokenizer").
 */
import { tokenizerModule, type TokenizerLike } from './tokenizer-module.js';

/**
 * Train a tokenizer on a stream of stories.
 * @param corpus stories (cleaned text)
 * @param vocabSize total vocabulary including the 268 fixed tokens
 * @param minFrequency merges must occur at least this often (trainBpe's default when undefined)
 * @throws UserError when `@tinyzh/tokenizer` is not installed/built
 */
export async function trainTokenizer(corpus: AsyncIterable<string> | Iterable<string>, vocabSize: number, minFrequency?: number): Promise<TokenizerLike> {
  const mod = await tokenizerModule();
  return mod.trainBpe(corpus, { vocabSize, ...(minFrequency !== undefined ? { minFrequency } : {}) });
}
