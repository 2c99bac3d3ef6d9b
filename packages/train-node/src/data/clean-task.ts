/**
 * The per-story work of the cleaning stage that can run in any thread: normalise, convert to Simplified,
 * apply the quality rules, hash for exact duplicates and the train/val split, and compute MinHash LSH band
 * keys. The order-dependent decisions (which copy of a duplicate is kept) are made by the caller.
 */
import { createHash } from 'node:crypto';
import { normalizeText } from './normalize.js';
import { toSimplified } from './t2s.js';
import { checkQuality, QUALITY_RULES, type QualityOptions, type QualityRule } from './quality.js';
import { MinHasher, type MinHashParams } from './minhash.js';

/** Settings of the cleaning task, sent once to each worker. */
export interface CleanConfig {
  normalize: boolean;
  t2s: boolean;
  quality: { enabled: QualityRule[]; minChars: number; minCjkShare: number; maxCharRun: number };
  /** undefined when near-duplicate removal is off */
  minhash?: MinHashParams;
}

/** Result for a batch of n stories (typed arrays so they can be transferred between threads). */
export interface CleanResult {
  /** The normalised texts. */
  texts: string[];
  /** 0 = passes, 1 + index in {@link QUALITY_RULES} = rejected by that rule, 255 = empty after normalisation. */
  status: Uint8Array;
  /** bit 0: normalisation changed the text; bit 1: Traditional→Simplified changed it. */
  changed: Uint8Array;
  /** 64-bit exact-duplicate hash per story (hi, lo) = first 8 bytes of SHA-1 of the normalised UTF-8 text. */
  exact: Uint32Array;
  /** 32-bit split hash per story (bytes 8..11 of the same SHA-1). */
  split: Uint32Array;
  /** 2 × bands LSH keys per story (empty when near-dup removal is off). */
  bands: Uint32Array;
}

export const STATUS_EMPTY = 255;

/** Prepared state for {@link cleanBatch}. */
export class Cleaner {
  private readonly quality: QualityOptions;
  private readonly hasher: MinHasher | undefined;
  constructor(readonly config: CleanConfig) {
    this.quality = { ...config.quality, enabled: new Set(config.quality.enabled) };
    this.hasher = config.minhash ? new MinHasher(config.minhash) : undefined;
  }

  /** Clean a batch of raw stories. */
  run(raw: string[]): CleanResult {
    const n = raw.length;
    const bandsPer = this.hasher ? this.hasher.params.bands * 2 : 0;
    const res: CleanResult = {
      texts: new Array<string>(n),
      status: new Uint8Array(n),
      changed: new Uint8Array(n),
      exact: new Uint32Array(2 * n),
      split: new Uint32Array(n),
      bands: new Uint32Array(bandsPer * n),
    };
    for (let i = 0; i < n; i++) {
      let t = raw[i];
      if (this.config.normalize) {
        const u = normalizeText(t);
        if (u !== t) res.changed[i] |= 1;
        t = u;
      }
      if (this.config.t2s) {
        const u = toSimplified(t);
        if (u !== t) res.changed[i] |= 2;
        t = u;
      }
      res.texts[i] = t;
      if (t.length === 0) {
        res.status[i] = STATUS_EMPTY;
        continue;
      }
      const rule = checkQuality(t, this.quality);
      if (rule !== undefined) {
        res.status[i] = 1 + QUALITY_RULES.indexOf(rule);
        continue;
      }
      const d = createHash('sha1').update(t).digest();
      res.exact[2 * i] = d.readUInt32LE(0);
      res.exact[2 * i + 1] = d.readUInt32LE(4);
      res.split[i] = d.readUInt32LE(8);
      if (this.hasher) this.hasher.bandKeys(t, res.bands.subarray(i * bandsPer, (i + 1) * bandsPer));
    }
    return res;
  }
}
