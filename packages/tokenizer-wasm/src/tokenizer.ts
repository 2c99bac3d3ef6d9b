/**
 * The tinyzh tokenizer: byte-fallback BPE for Chinese, running in WebAssembly (`crate/`), reading and writing
 * Hugging Face `tokenizer.json`. Ids equal those of Hugging Face `tokenizers` and transformers.js for the same file
 * (`encode(text, add_special_tokens=False)`), and `decode(encode(s)) === s` for every well-formed string.
 */
import { DecodeStream } from './decode-stream.js';
import { fromBlob, parseTokenizerJson, toBlob, writeTokenizerJson } from './tokenizer-json.js';
import { getWasm, type WasmApi } from './wasm.js';

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Prepend `<s>` (id {@link Tokenizer.bosId}). Default false. */
  addBos?: boolean;
  /** Append `</s>` (id {@link Tokenizer.eosId}). Default false. */
  addEos?: boolean;
}

/** Options of {@link Tokenizer.decode} and {@link Tokenizer.createDecodeStream}. */
export interface DecodeOptions {
  /** Drop special tokens (`<unk>`, `<s>`, `</s>`, `<pad>`, `<|reserved_N|>`). Default false. */
  skipSpecialTokens?: boolean;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const registry =
  typeof FinalizationRegistry !== 'undefined'
    ? new FinalizationRegistry<{ api: WasmApi; handle: number }>(({ api, handle }) => {
        if (!api.broken) api.x.tz_tok_free(handle);
      })
    : null;

const splitRegexCache: WeakMap<WasmApi, string> = new WeakMap();

/** The pre-tokenizer regex compiled into the module (the `pre_tokenizer.pattern.Regex` of `tokenizer.json`). */
export function splitRegexOf(api: WasmApi): string {
  let r = splitRegexCache.get(api);
  if (r === undefined) {
    const len = api.x.tz_split_regex();
    r = api.readString(api.x.tz_static_ptr(), len);
    splitRegexCache.set(api, r);
  }
  return r;
}

export class Tokenizer {
  /** Number of tokens (ids are `0 .. vocabSize - 1`). */
  readonly vocabSize: number;
  /** Id of `<s>` (1 in tinyzh tokenizers). */
  readonly bosId: number;
  /** Id of `</s>` (2). */
  readonly eosId: number;
  /** Id of `<unk>` (0). Never produced by `encode` (unknown characters become byte tokens). */
  readonly unkId: number;
  /** Id of `<pad>` (3). */
  readonly padId: number;

  private api: WasmApi;
  private handle: number;
  private tokens: (string | undefined)[] | null = null;
  private byteOf: Int16Array | null = null;
  private special: Uint8Array | null = null;

  /** @internal Use {@link Tokenizer.fromJSON} or `trainBpe`. */
  constructor(api: WasmApi, handle: number) {
    this.api = api;
    this.handle = handle;
    this.vocabSize = api.x.tz_vocab_size(handle);
    const need = (t: string) => {
      const id = this.tokenToId(t);
      if (id === undefined) {
        api.x.tz_tok_free(handle);
        throw new Error(`tokenizer.json: special token ${t} is missing from model.vocab`);
      }
      return id;
    };
    this.unkId = need('<unk>');
    this.bosId = need('<s>');
    this.eosId = need('</s>');
    this.padId = need('<pad>');
    registry?.register(this, { api, handle }, this);
  }

  /**
   * Loads a Hugging Face `tokenizer.json` (its text or the parsed object) written by tinyzh (see `docs/formats.md`).
   * Loads the default WebAssembly module first if `initTokenizer` was not called.
   * @throws TokenizerJsonError for malformed JSON or unsupported settings, naming the field (e.g.
   *   `tokenizer.json: model.merges[12]: token "ab" is not in model.vocab`).
   */
  static async fromJSON(json: string | object): Promise<Tokenizer> {
    const api = await getWasm();
    return Tokenizer.fromJSONWith(api, json);
  }

  /** @internal */
  static fromJSONWith(api: WasmApi, json: string | object): Tokenizer {
    const data = parseTokenizerJson(json, splitRegexOf(api));
    const blob = toBlob(data);
    const handle = api.call(() => {
      const ptr = api.scratch(blob.length);
      api.u8().set(blob, ptr);
      return api.x.tz_tok_new(ptr, blob.length);
    });
    if (!handle) throw new Error(`tokenizer.json: ${api.lastError()}`);
    return new Tokenizer(api, handle);
  }

  private live(): number {
    if (!this.handle) throw new Error('@tinyzh/tokenizer: this Tokenizer was disposed');
    return this.handle;
  }

  /**
   * Encodes text to token ids: special-token strings (e.g. `"</s>"`) in the text map to their ids, the rest is
   * split into same-class runs and BPE-encoded, with byte fallback for characters outside the vocabulary.
   * Lone surrogates (not well-formed UTF-16) are encoded as U+FFFD.
   * @returns a new `Uint32Array` of ids.
   */
  encode(text: string, opts: EncodeOptions = {}): Uint32Array {
    if (typeof text !== 'string') throw new TypeError(`encode: text must be a string, got ${typeof text}`);
    const h = this.live();
    const api = this.api;
    return api.call(() => {
      const len = api.writeText(text);
      const n = api.x.tz_encode(h, api.scratch(0), len, opts.addBos ? this.bosId : -1, opts.addEos ? this.eosId : -1);
      if (n < 0) throw new Error(`encode: ${api.lastError()}`);
      const ptr = api.x.tz_out_ids_ptr(h);
      return new Uint32Array(api.x.memory.buffer, ptr, n).slice();
    });
  }

  /** Encodes each text with {@link encode}. */
  encodeBatch(texts: readonly string[], opts: EncodeOptions = {}): Uint32Array[] {
    return texts.map((t) => this.encode(t, opts));
  }

  /**
   * Decodes ids to text (Hugging Face decoder `Sequence[ByteFallback, Fuse]`): byte tokens are joined and read as
   * UTF-8; a run of byte tokens that is not valid UTF-8 gives one U+FFFD per byte token.
   * @throws Error `invalid token id X at index i (vocabulary size N)` for an id that is not an integer in range.
   */
  decode(ids: ArrayLike<number>, opts: DecodeOptions = {}): string {
    const h = this.live();
    const api = this.api;
    const n = ids.length;
    return api.call(() => {
      const ptr = api.scratch(n * 4);
      const view = new Uint32Array(api.x.memory.buffer, ptr, n);
      for (let i = 0; i < n; i++) {
        const id = ids[i];
        if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
          throw new Error(`decode: invalid token id ${id} at index ${i} (vocabulary size ${this.vocabSize})`);
        }
        view[i] = id;
      }
      const len = api.x.tz_decode(h, ptr, n, opts.skipSpecialTokens ? 1 : 0);
      if (len < 0) throw new Error(`decode: ${api.lastError()}`);
      return api.readString(api.x.tz_out_bytes_ptr(h), len);
    });
  }

  /**
   * A streaming decoder: feed ids one at a time, get text as soon as it is complete. A character split over several
   * byte-fallback tokens is held back until its last byte arrives, so no broken character (U+FFFD) is emitted for
   * valid input. Concatenated output equals {@link decode} of the same ids for any ids `encode` produces.
   */
  createDecodeStream(opts: DecodeOptions = {}): DecodeStream {
    this.live();
    this.ensureTables();
    return new DecodeStream(this, this.byteOf as Int16Array, this.special as Uint8Array, opts.skipSpecialTokens ?? false);
  }

  private ensureTables() {
    if (this.byteOf) return;
    const h = this.live();
    const byteOf = new Int16Array(this.vocabSize);
    const special = new Uint8Array(this.vocabSize);
    for (let i = 0; i < this.vocabSize; i++) {
      byteOf[i] = this.api.x.tz_byte_of(h, i);
      special[i] = this.api.x.tz_is_special(h, i) === 1 ? 1 : 0;
    }
    this.byteOf = byteOf;
    this.special = special;
  }

  /** Id of a token string (exact vocabulary entry), or `undefined`. */
  tokenToId(token: string): number | undefined {
    const h = this.live();
    const api = this.api;
    return api.call(() => {
      const len = api.writeText(token);
      const id = api.x.tz_token_to_id(h, api.scratch(0), len);
      return id < 0 ? undefined : id;
    });
  }

  /** Token string of an id (byte tokens read `<0xXX>`), or `undefined` when out of range. */
  idToToken(id: number): string | undefined {
    const h = this.live();
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) return undefined;
    if (!this.tokens) this.tokens = new Array(this.vocabSize);
    let t = this.tokens[id];
    if (t === undefined) {
      const api = this.api;
      t = api.call(() => {
        const len = api.x.tz_id_to_token(h, id);
        return utf8.decode(api.u8().subarray(api.x.tz_out_bytes_ptr(h), api.x.tz_out_bytes_ptr(h) + len));
      });
      this.tokens[id] = t;
    }
    return t;
  }

  /** `tokenizer.json` text (Hugging Face format) of this tokenizer. */
  toJSON(): string {
    const h = this.live();
    const api = this.api;
    const blob = api.call(() => {
      const len = api.x.tz_export(h);
      if (len < 0) throw new Error(`toJSON: ${api.lastError()}`);
      const ptr = api.x.tz_out_bytes_ptr(h);
      return api.u8().slice(ptr, ptr + len);
    });
    return writeTokenizerJson(fromBlob(blob), splitRegexOf(api));
  }

  /** Frees the WebAssembly memory of this tokenizer; later calls throw. */
  dispose(): void {
    if (!this.handle) return;
    registry?.unregister(this);
    if (!this.api.broken) this.api.x.tz_tok_free(this.handle);
    this.handle = 0;
  }
}
