import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import type { Rng } from './rng.js';

/** One split of `index.json` (docs/formats.md "Prepared data"). */
export interface SplitInfo {
  tokens: number;
  documents: number;
  chars: number;
  shards: { file: string; tokens: number; documents: number }[];
}

/** The fields of a prepared dir's `index.json` that training reads. */
export interface PreparedIndex {
  format: 'tinyzh-tokens';
  version: 1;
  dtype: 'uint16' | 'uint32';
  vocab_size: number;
  eos_id: number;
  tokenizer: { file: string; sha256: string };
  splits: { train: SplitInfo; val: SplitInfo };
}

function fail(path: string, msg: string): never {
  throw new UserError(`${path}: ${msg}`);
}

/** Read and validate `DIR/index.json`. @throws UserError naming the file and field. */
export function readPreparedIndex(dir: string): PreparedIndex {
  const path = join(dir, 'index.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`${path}: not found — is '${dir}' a folder written by 'tinyzh-train prepare'?`);
  }
  let j: any;
  try {
    j = JSON.parse(text);
  } catch (e) {
    fail(path, `invalid JSON (${(e as Error).message})`);
  }
  if (j?.format !== 'tinyzh-tokens') fail(path, `"format" must be "tinyzh-tokens", got ${JSON.stringify(j?.format)}`);
  if (j.version !== 1) fail(path, `"version" ${JSON.stringify(j.version)} is not supported (expected 1)`);
  if (j.dtype !== 'uint16' && j.dtype !== 'uint32') fail(path, `"dtype" must be "uint16" or "uint32", got ${JSON.stringify(j.dtype)}`);
  if (!Number.isSafeInteger(j.vocab_size) || j.vocab_size < 1) fail(path, `"vocab_size" must be a positive integer`);
  if (!Number.isSafeInteger(j.eos_id)) fail(path, `"eos_id" must be an integer`);
  if (typeof j.tokenizer?.file !== 'string') fail(path, `"tokenizer.file" must be a string`);
  for (const s of ['train', 'val']) {
    const sp = j.splits?.[s];
    if (!sp || !Array.isArray(sp.shards)) fail(path, `"splits.${s}.shards" must be an array`);
    for (const f of ['tokens', 'chars']) if (typeof sp[f] !== 'number' || sp[f] < 0) fail(path, `"splits.${s}.${f}" must be a non-negative number`);
    sp.shards.forEach((sh: any, i: number) => {
      if (typeof sh?.file !== 'string') fail(path, `"splits.${s}.shards[${i}].file" must be a string`);
      if (!Number.isSafeInteger(sh.tokens) || sh.tokens < 0) fail(path, `"splits.${s}.shards[${i}].tokens" must be a non-negative integer`);
    });
  }
  return j as PreparedIndex;
}

interface Shard { path: string; fd: number; tokens: number }

/**
 * Reads windows of tokens from one split's shards (flat little-endian uint16/uint32 files) without loading
 * them into memory: each window is one `readSync` at its offset. Windows never cross a shard boundary.
 */
export class TokenShards {
  readonly split: 'train' | 'val';
  readonly bytesPerToken: number;
  private shards: Shard[];
  /** cumulative count of valid window starts, per shard */
  private starts: number[] = [];
  private windowLen = -1;
  /** when set, a token id ≥ this (the model's vocab_size) is refused with a {@link UserError} naming the shard */
  vocabLimit?: number;

  constructor(dir: string, index: PreparedIndex, split: 'train' | 'val') {
    this.split = split;
    this.bytesPerToken = index.dtype === 'uint16' ? 2 : 4;
    this.shards = index.splits[split].shards.map((s) => {
      const path = resolve(dir, s.file);
      let size: number;
      try {
        size = statSync(path).size;
      } catch {
        throw new UserError(`${join(dir, 'index.json')}: shard ${s.file} of split '${split}' is missing`);
      }
      if (size !== s.tokens * this.bytesPerToken) {
        throw new UserError(`${path}: ${size} bytes, but index.json says ${s.tokens} ${index.dtype} tokens (${s.tokens * this.bytesPerToken} bytes)`);
      }
      return { path, fd: openSync(path, 'r'), tokens: s.tokens };
    });
  }

  /** Total tokens in this split. */
  get tokens(): number {
    return this.shards.reduce((a, s) => a + s.tokens, 0);
  }

  private prepare(len: number): number {
    if (this.windowLen !== len) {
      this.windowLen = len;
      let acc = 0;
      this.starts = this.shards.map((s) => (acc += Math.max(0, s.tokens - len + 1)));
    }
    const total = this.starts[this.starts.length - 1] ?? 0;
    if (total === 0) throw new UserError(`the '${this.split}' split has no shard with at least ${len} tokens (block size + 1); ${this.split === 'val' ? 'run prepare again with a larger --val-fraction (and --force), add stories,' : 'prepare more data'} or lower --block-size`);
    return total;
  }

  /** Read `len` tokens of shard `i` from token offset `off` into `out` at `at`. */
  private read(i: number, off: number, len: number, out: Int32Array, at: number): void {
    const s = this.shards[i]!;
    const buf = Buffer.alloc(len * this.bytesPerToken);
    const n = readSync(s.fd, buf, 0, buf.length, off * this.bytesPerToken);
    if (n !== buf.length) throw new UserError(`${s.path}: short read at token ${off}`);
    if (this.bytesPerToken === 2) for (let k = 0; k < len; k++) out[at + k] = buf.readUInt16LE(2 * k);
    else for (let k = 0; k < len; k++) out[at + k] = buf.readUInt32LE(4 * k);
    if (this.vocabLimit !== undefined) {
      for (let k = 0; k < len; k++) {
        if (out[at + k]! >= this.vocabLimit) {
          throw new UserError(`${s.path}: token id ${out[at + k]} at token ${off + k} does not fit the model's vocab_size ${this.vocabLimit}; prepare the data with the model's tokenizer (--tokenizer <checkpoint>/tokenizer.json)`);
        }
      }
    }
  }

  /**
   * `rows` windows of `len` tokens at uniformly random positions (every valid start equally likely), drawn
   * from `rng` — the data order is a function of the RNG state alone, so resuming restores it.
   * @returns int32 `[rows · len]`
   */
  randomWindows(rng: Rng, rows: number, len: number): Int32Array {
    const total = this.prepare(len);
    const out = new Int32Array(rows * len);
    for (let r = 0; r < rows; r++) {
      let g = rng.int(total);
      let i = 0;
      while (g >= this.starts[i]!) i++;
      const off = g - (i === 0 ? 0 : this.starts[i - 1]!);
      this.read(i, off, len, out, r * len);
    }
    return out;
  }

  /**
   * Consecutive non-overlapping windows of `len` tokens from the start of the split, at most `maxWindows`:
   * a fixed evaluation set.
   */
  sequentialWindows(len: number, maxWindows: number): Int32Array[] {
    const out: Int32Array[] = [];
    for (let i = 0; i < this.shards.length && out.length < maxWindows; i++) {
      for (let off = 0; off + len <= this.shards[i]!.tokens && out.length < maxWindows; off += len) {
        const w = new Int32Array(len);
        this.read(i, off, len, w, 0);
        out.push(w);
      }
    }
    return out;
  }

  /** Close the shard files. */
  close(): void {
    for (const s of this.shards) closeSync(s.fd);
    this.shards = [];
  }
}
