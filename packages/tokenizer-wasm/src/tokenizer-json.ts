/**
 * Reading and writing Hugging Face `tokenizer.json` (the format of the `tokenizers` library, also read by
 * transformers.js) for the tinyzh tokenizer: a BPE model with `byte_fallback`, no normalizer, the tinyzh `Split`
 * pre-tokenizer and the `Sequence[ByteFallback, Fuse]` decoder. See `docs/formats.md` ("Tokenizer").
 *
 * Parsing validates the JSON and converts it into the blob the WebAssembly side reads (format in
 * `crate/src/lib.rs`); anything that would make our ids differ from Hugging Face's is rejected with an error naming
 * the field.
 */

/** Raised for a malformed or unsupported `tokenizer.json`. */
export class TokenizerJsonError extends Error {
  override name = 'TokenizerJsonError';
}

/** Vocabulary, merges and added tokens, as stored in `tokenizer.json`. */
export interface TokenizerData {
  /** `vocab[id]` is the token string of `id`. */
  vocab: string[];
  merges: [string, string][];
  added: { id: number; content: string; special: boolean }[];
}

const DECODER = { type: 'Sequence', decoders: [{ type: 'ByteFallback' }, { type: 'Fuse' }] };

function fail(msg: string): never {
  throw new TokenizerJsonError(`tokenizer.json: ${msg}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? s.slice(0, 117) + '...' : s;
}

/**
 * Validates parsed `tokenizer.json` and extracts its data.
 * @param splitRegex the pre-tokenizer regex of the loaded WebAssembly module.
 * @throws TokenizerJsonError naming the offending field.
 */
export function parseTokenizerJson(json: unknown, splitRegex: string): TokenizerData {
  if (typeof json === 'string') {
    try {
      json = JSON.parse(json);
    } catch (e) {
      fail(`not valid JSON (${(e as Error).message})`);
    }
  }
  if (!isObject(json)) fail(`expected a JSON object at the top level, got ${describe(json)}`);
  const model = json.model;
  if (!isObject(model)) fail('"model" is missing or not an object');
  if (model.type !== undefined && model.type !== 'BPE') fail(`model.type must be "BPE", got ${describe(model.type)}`);
  if (model.byte_fallback !== true) fail(`model.byte_fallback must be true, got ${describe(model.byte_fallback)}`);
  if (model.dropout != null && model.dropout !== 0) fail(`model.dropout is not supported, got ${describe(model.dropout)}`);
  for (const k of ['continuing_subword_prefix', 'end_of_word_suffix']) {
    if (model[k] != null && model[k] !== '') fail(`model.${k} is not supported, got ${describe(model[k])}`);
  }
  if (model.ignore_merges === true) fail('model.ignore_merges = true is not supported');
  if (json.normalizer != null) fail(`normalizer must be null (decode(encode(s)) must return s), got ${describe(json.normalizer)}`);
  const pre = json.pre_tokenizer;
  const preOk =
    isObject(pre) &&
    pre.type === 'Split' &&
    isObject(pre.pattern) &&
    pre.pattern.Regex === splitRegex &&
    pre.behavior === 'Isolated' &&
    pre.invert === false;
  if (!preOk) fail(`pre_tokenizer must be the tinyzh Split pre-tokenizer (${describe(splitPreTokenizer(splitRegex))}), got ${describe(pre)}`);
  if (json.decoder != null && JSON.stringify(json.decoder) !== JSON.stringify(DECODER)) {
    fail(`decoder must be ${describe(DECODER)} or null, got ${describe(json.decoder)}`);
  }

  const vocabObj = model.vocab;
  if (!isObject(vocabObj)) fail('model.vocab is missing or not an object');
  const entries = Object.entries(vocabObj);
  const vocab: string[] = new Array(entries.length);
  for (const [tok, id] of entries) {
    if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= entries.length) {
      fail(`model.vocab[${describe(tok)}] must be an integer id in 0..${entries.length - 1} (ids are contiguous), got ${describe(id)}`);
    }
    if (vocab[id as number] !== undefined) fail(`model.vocab: id ${id} is used by both ${describe(vocab[id as number])} and ${describe(tok)}`);
    vocab[id as number] = tok;
  }

  const mergesRaw = model.merges;
  if (!Array.isArray(mergesRaw)) fail('model.merges is missing or not an array');
  const merges: [string, string][] = new Array(mergesRaw.length);
  for (let i = 0; i < mergesRaw.length; i++) {
    const m = mergesRaw[i];
    if (Array.isArray(m) && m.length === 2 && typeof m[0] === 'string' && typeof m[1] === 'string') merges[i] = [m[0], m[1]];
    else if (typeof m === 'string' && m.split(' ').length === 2) merges[i] = m.split(' ') as [string, string];
    else fail(`model.merges[${i}] must be a pair ["left", "right"], got ${describe(m)}`);
  }

  const addedRaw = json.added_tokens ?? [];
  if (!Array.isArray(addedRaw)) fail('added_tokens must be an array');
  const added = addedRaw.map((a, i) => {
    if (!isObject(a) || !Number.isInteger(a.id) || typeof a.content !== 'string') {
      fail(`added_tokens[${i}] must be an object with an integer "id" and a string "content", got ${describe(a)}`);
    }
    for (const k of ['single_word', 'lstrip', 'rstrip']) {
      if (a[k] === true) fail(`added_tokens[${i}].${k} = true is not supported`);
    }
    return { id: a.id as number, content: a.content, special: a.special === true };
  });
  return { vocab, merges, added };
}

/** Serializes tokenizer data into the blob read by `tz_tok_new`. */
export function toBlob(data: TokenizerData): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let size = 0;
  const u32 = (v: number) => {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    parts.push(b);
    size += 4;
  };
  const str = (s: string) => {
    const b = enc.encode(s);
    u32(b.length);
    parts.push(b);
    size += b.length;
  };
  u32(data.vocab.length);
  for (const t of data.vocab) str(t);
  u32(data.merges.length);
  for (const [a, b] of data.merges) {
    str(a);
    str(b);
  }
  u32(data.added.length);
  for (const a of data.added) {
    u32(a.id);
    u32(a.special ? 1 : 0);
    str(a.content);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Parses the blob written by `tz_export`. */
export function fromBlob(blob: Uint8Array): TokenizerData {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const dec = new TextDecoder('utf-8', { ignoreBOM: true });
  let o = 0;
  const u32 = () => {
    const v = dv.getUint32(o, true);
    o += 4;
    return v;
  };
  const str = () => {
    const n = u32();
    const s = dec.decode(blob.subarray(o, o + n));
    o += n;
    return s;
  };
  const vocab = Array.from({ length: u32() }, str);
  const merges = Array.from({ length: u32() }, () => [str(), str()] as [string, string]);
  const added = Array.from({ length: u32() }, () => {
    const id = u32();
    const special = u32() !== 0;
    return { id, special, content: str() };
  });
  return { vocab, merges, added };
}

/** The `pre_tokenizer` object of a tinyzh `tokenizer.json`. */
export function splitPreTokenizer(splitRegex: string) {
  return { type: 'Split', pattern: { Regex: splitRegex }, behavior: 'Isolated', invert: false };
}

/**
 * Writes `tokenizer.json` text (Hugging Face format, pretty-printed; vocabulary in id order, merges as pairs).
 */
export function writeTokenizerJson(data: TokenizerData, splitRegex: string): string {
  const j = (v: unknown) => JSON.stringify(v);
  const added = data.added
    .map(
      (a) =>
        `    {\n      "id": ${a.id},\n      "content": ${j(a.content)},\n      "single_word": false,\n      "lstrip": false,\n` +
        `      "rstrip": false,\n      "normalized": false,\n      "special": ${a.special}\n    }`,
    )
    .join(',\n');
  const vocab = data.vocab.map((t, i) => `      ${j(t)}: ${i}`).join(',\n');
  const merges = data.merges.map(([a, b]) => `      [${j(a)}, ${j(b)}]`).join(',\n');
  const pre = splitPreTokenizer(splitRegex);
  return (
    '{\n' +
    '  "version": "1.0",\n' +
    '  "truncation": null,\n' +
    '  "padding": null,\n' +
    `  "added_tokens": [\n${added}\n  ],\n` +
    '  "normalizer": null,\n' +
    `  "pre_tokenizer": {\n    "type": "Split",\n    "pattern": {\n      "Regex": ${j(pre.pattern.Regex)}\n    },\n    "behavior": "Isolated",\n    "invert": false\n  },\n` +
    '  "post_processor": null,\n' +
    '  "decoder": {\n    "type": "Sequence",\n    "decoders": [\n      {\n        "type": "ByteFallback"\n      },\n      {\n        "type": "Fuse"\n      }\n    ]\n  },\n' +
    '  "model": {\n' +
    '    "type": "BPE",\n    "dropout": null,\n    "unk_token": "<unk>",\n    "continuing_subword_prefix": null,\n' +
    '    "end_of_word_suffix": null,\n    "fuse_unk": true,\n    "byte_fallback": true,\n    "ignore_merges": false,\n' +
    `    "vocab": {\n${vocab}\n    },\n` +
    `    "merges": [\n${merges}\n    ]\n` +
    '  }\n' +
    '}\n'
  );
}
