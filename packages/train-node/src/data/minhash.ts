/**
 * Near-duplicate detection with MinHash (Broder, "On the resemblance and containment of documents", 1997)
 * over character n-gram shingles, and locality-sensitive hashing by banding (Leskovec, Rajaraman & Ullman,
 * "Mining of Massive Datasets", ch. 3.4): the `numPerm` minimum hashes are cut into `bands` bands of `rows`
 * values; two documents whose signatures agree on all rows of at least one band are candidates, which happens
 * with probability `1 - (1 - J^rows)^bands` for Jaccard similarity J.
 *
 * Only two 32-bit hashes per band are kept per document (see {@link LshIndex}), never the signatures, so
 * memory stays bounded (about 8 bytes × bands × documents / load factor) — candidates are not re-verified;
 * the bench measures precision and recall against exact Jaccard on a sample.
 */
import { U64HashSet } from './hashset.js';

export interface MinHashParams {
  /** Shingle length in characters (whitespace removed first). */
  ngram: number;
  /** Number of hash functions = bands × rows. */
  numPerm: number;
  bands: number;
  rows: number;
  /** Seed of the hash functions (fixed for determinism). */
  seed: number;
}

/** Probability that a pair with Jaccard similarity `s` becomes an LSH candidate. */
export function candidateProbability(s: number, bands: number, rows: number): number {
  return 1 - Math.pow(1 - Math.pow(s, rows), bands);
}

function integrate(f: (x: number) => number, a: number, b: number, steps = 200): number {
  // Simpson's rule.
  const h = (b - a) / steps;
  let sum = f(a) + f(b);
  for (let i = 1; i < steps; i++) sum += f(a + i * h) * (i % 2 === 1 ? 4 : 2);
  return (sum * h) / 3;
}

/**
 * Choose bands × rows ≤ numPerm minimising the (equally weighted) area of false positives below the
 * threshold and false negatives above it — the method of datasketch's `MinHashLSH._optimal_param`.
 */
export function optimalBands(threshold: number, numPerm: number): { bands: number; rows: number } {
  let best = { bands: 1, rows: 1 };
  let bestErr = Infinity;
  for (let b = 1; b <= numPerm; b++) {
    for (let r = 1; r <= Math.floor(numPerm / b); r++) {
      const fp = integrate((s) => candidateProbability(s, b, r), 0, threshold);
      const fn = integrate((s) => 1 - candidateProbability(s, b, r), threshold, 1);
      const err = 0.5 * fp + 0.5 * fn;
      if (err < bestErr) { bestErr = err; best = { bands: b, rows: r }; }
    }
  }
  return best;
}

/** MurmurHash3's 32-bit finaliser (avalanche). */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A small deterministic PRNG (splitmix32) for the hash-function coefficients. */
function splitmix32(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    return fmix32(s);
  };
}

/**
 * Computes MinHash signatures and LSH band keys. Hash function k maps a shingle hash x to
 * `fmix32(x) * a_k + b_k (mod 2^32)` with odd `a_k`; the minimum is taken in signed order (any fixed total
 * order of the hash values gives a valid MinHash).
 */
export class MinHasher {
  readonly params: MinHashParams;
  private readonly a: Int32Array;
  private readonly b: Int32Array;
  private readonly sig: Int32Array;
  private codes = new Int32Array(4096);

  constructor(params: MinHashParams) {
    if (params.bands * params.rows > params.numPerm) throw new RangeError('bands × rows must not exceed numPerm');
    this.params = params;
    const rnd = splitmix32(params.seed);
    this.a = new Int32Array(params.numPerm);
    this.b = new Int32Array(params.numPerm);
    for (let k = 0; k < params.numPerm; k++) {
      this.a[k] = rnd() | 1;
      this.b[k] = rnd();
    }
    this.sig = new Int32Array(params.numPerm);
  }

  /** The MinHash signature of `text` (a view reused by the next call). */
  signature(text: string): Int32Array {
    const { ngram: n, numPerm } = this.params;
    // Code units without whitespace.
    if (this.codes.length < text.length) this.codes = new Int32Array(text.length * 2);
    const codes = this.codes;
    let len = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 32) codes[len++] = c;
    }
    const sig = this.sig;
    sig.fill(0x7fffffff);
    const a = this.a;
    const b = this.b;
    const count = Math.max(1, len - n + 1);
    for (let i = 0; i < count; i++) {
      let h = 0x2545f491;
      const end = Math.min(len, i + n);
      for (let j = i; j < end; j++) h = Math.imul(h ^ codes[j], 0x01000193);
      const x = fmix32(h);
      for (let k = 0; k < numPerm; k++) {
        const v = (Math.imul(x, a[k]) + b[k]) | 0;
        if (v < sig[k]) sig[k] = v;
      }
    }
    return sig;
  }

  /**
   * The LSH keys of `text`: for each band, a 64-bit hash of its rows (with the band index mixed in),
   * as `[hi0, lo0, hi1, lo1, …]`, length `2 × bands`.
   */
  bandKeys(text: string, out: Uint32Array = new Uint32Array(this.params.bands * 2)): Uint32Array {
    const sig = this.signature(text);
    const { bands, rows } = this.params;
    for (let band = 0; band < bands; band++) {
      let h1 = 0x3c6ef372 ^ band;
      let h2 = 0x6a09e667 ^ Math.imul(band, 0x9e3779b1);
      for (let r = 0; r < rows; r++) {
        const v = sig[band * rows + r];
        h1 = fmix32(Math.imul(h1 ^ v, 0xcc9e2d51) + 0x1b873593);
        h2 = fmix32(Math.imul(h2 + v, 0x85ebca6b) ^ 0x27d4eb2f);
      }
      out[band * 2] = h1 >>> 0;
      out[band * 2 + 1] = h2 >>> 0;
    }
    return out;
  }
}

/** Estimated Jaccard similarity: the share of equal signature values. */
export function estimateJaccard(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** The set of character n-gram shingles of a text (whitespace removed), for exact Jaccard. */
export function shingleSet(text: string, n: number): Set<string> {
  const t = text.replace(/[\n ]/g, '');
  const out = new Set<string>();
  if (t.length <= n) { out.add(t); return out; }
  for (let i = 0; i + n <= t.length; i++) out.add(t.slice(i, i + n));
  return out;
}

/** Exact Jaccard similarity |A∩B| / |A∪B| of two shingle sets. */
export function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  const [small, big] = a.size < b.size ? [a, b] : [b, a];
  for (const x of small) if (big.has(x)) inter++;
  const union = a.size + b.size - inter;
  return union === 0 ? 1 : inter / union;
}

/**
 * The LSH index: one {@link U64HashSet} per band. A document is a near-duplicate when one of its band keys
 * is already present (some earlier kept document agrees on all rows of that band).
 */
export class LshIndex {
  /** One set of band keys per band (exposed for checkpoints). */
  readonly sets: U64HashSet[];
  /** @param sets existing band sets (when resuming from a checkpoint) */
  constructor(readonly bands: number, expectedDocs = 1 << 16, sets?: U64HashSet[]) {
    this.sets = sets ?? Array.from({ length: bands }, () => new U64HashSet(expectedDocs));
  }
  /** Whether any band key of `keys` (from {@link MinHasher.bandKeys}) was inserted before. */
  hasAny(keys: Uint32Array, offset = 0): boolean {
    for (let band = 0; band < this.bands; band++) {
      if (this.sets[band].has(keys[offset + band * 2], keys[offset + band * 2 + 1])) return true;
    }
    return false;
  }
  /** Insert the band keys of one document. */
  insert(keys: Uint32Array, offset = 0): void {
    for (let band = 0; band < this.bands; band++) this.sets[band].add(keys[offset + band * 2], keys[offset + band * 2 + 1]);
  }
  /** Bytes held by the index. */
  get byteLength(): number {
    return this.sets.reduce((s, x) => s + x.byteLength, 0);
  }
}
