/**
 * The per-batch work of the tokenizing stage: encode stories with `@tinyzh/tokenizer` and append `</s>`
 * after each, packed into one typed array ready to be written to a shard.
 */
import { charCount } from './quality.js';
import { loadTokenizer } from './tokenizer-module.js';

/** The part of `@tinyzh/tokenizer`'s `Tokenizer` used here. */
export interface EncoderLike {
  encodeBatch(texts: string[], opts?: { addBos?: boolean; addEos?: boolean }): Uint32Array[];
  readonly vocabSize: number;
  readonly eosId: number;
}

/** Tokens of a batch of n stories. */
export interface TokenizeResult {
  /** All tokens, each story followed by `</s>`, in the shard dtype. */
  tokens: Uint16Array | Uint32Array;
  /** Tokens per story, `</s>` included. */
  lengths: Uint32Array;
  /** Unicode code points per story. */
  chars: Uint32Array;
}


export class TokenizeTask {
  private constructor(private readonly tok: EncoderLike, private readonly dtype: 'uint16' | 'uint32') {}

  static async create(config: { tokenizerJson: string; dtype: 'uint16' | 'uint32' }): Promise<TokenizeTask> {
    return new TokenizeTask(await loadTokenizer(config.tokenizerJson), config.dtype);
  }

  /** For tests: wrap an already built encoder. */
  static fromEncoder(tok: EncoderLike, dtype: 'uint16' | 'uint32'): TokenizeTask {
    return new TokenizeTask(tok, dtype);
  }

  /** Encode a batch (no `<s>`; `</s>` after each story). */
  run(texts: string[]): TokenizeResult {
    const encoded = this.tok.encodeBatch(texts, { addBos: false, addEos: false });
    const lengths = new Uint32Array(texts.length);
    const chars = new Uint32Array(texts.length);
    let total = 0;
    for (let i = 0; i < encoded.length; i++) {
      lengths[i] = encoded[i].length + 1;
      chars[i] = charCount(texts[i]);
      total += lengths[i];
    }
    const tokens = this.dtype === 'uint16' ? new Uint16Array(total) : new Uint32Array(total);
    const eos = this.tok.eosId;
    let o = 0;
    for (const ids of encoded) {
      tokens.set(ids, o);
      o += ids.length;
      tokens[o++] = eos;
    }
    return { tokens, lengths, chars };
  }
}
