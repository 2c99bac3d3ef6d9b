/**
 * The reference CPU sampler: one token id from one position's logits, exactly as docs/formats.md "Sampling" defines
 * (the runtime's WGSL sampler implements the same steps). Every value is computed in float32 (`Float32Array`
 * stores / `Math.fround`) in the documented order, so a port with float32 arithmetic reproduces it; `exp` is the only
 * operation whose last bit may differ between platforms.
 *
 * Sources: repetition penalty — CTRL (Keskar et al. 2019, https://arxiv.org/abs/1909.05858); top-k (Fan et al. 2018);
 * top-p / nucleus sampling (Holtzman et al. 2019, https://arxiv.org/abs/1904.09751); counter-based RNG — see `rng.ts`.
 * @packageDocumentation
 */
import { uniform } from './rng.js';

/** Sampling knobs. Omitted fields take the defaults in {@link DEFAULT_SAMPLING}. */
export interface SamplingOptions {
  /** Softmax temperature; `<= 0` means greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the `topK` most likely tokens; 0 = off. Default 0. */
  topK?: number;
  /** Nucleus sampling: keep the smallest set reaching this cumulative probability; 1 = off. In [0, 1]. Default 1. */
  topP?: number;
  /** CTRL repetition penalty `r > 0` (1 = off): recent logits `l > 0 ? l / r : l * r`. Default 1. */
  repetitionPenalty?: number;
  /** How many of the most recent history tokens the penalty looks at (0 = none). Default 64. */
  repetitionPenaltyLastN?: number;
  /** RNG stream (taken modulo 2^32). Default 0; pick a fresh one per generation (e.g. `randomSeed()`). */
  seed?: number;
}

/** The defaults applied to omitted {@link SamplingOptions} fields. */
export const DEFAULT_SAMPLING: Readonly<Required<SamplingOptions>> = Object.freeze({
  temperature: 1,
  topK: 0,
  topP: 1,
  repetitionPenalty: 1,
  repetitionPenaltyLastN: 64,
  seed: 0,
});

/**
 * Options with defaults filled in and checked.
 * @throws {RangeError} naming the option: temperature not finite, topK / repetitionPenaltyLastN not a non-negative
 *   integer, topP outside [0, 1], repetitionPenalty not positive and finite, seed not an integer.
 */
export function resolveSamplingOptions(opts: SamplingOptions = {}): Required<SamplingOptions> {
  const o = { ...DEFAULT_SAMPLING } as Required<SamplingOptions>;
  for (const k of Object.keys(DEFAULT_SAMPLING) as (keyof SamplingOptions)[]) if (opts[k] !== undefined) o[k] = opts[k]!;
  if (typeof o.temperature !== 'number' || !Number.isFinite(o.temperature)) throw new RangeError(`sampling option temperature must be a finite number, got ${o.temperature}`);
  if (!Number.isSafeInteger(o.topK) || o.topK < 0) throw new RangeError(`sampling option topK must be a non-negative integer, got ${o.topK}`);
  if (typeof o.topP !== 'number' || !(o.topP >= 0 && o.topP <= 1)) throw new RangeError(`sampling option topP must be in [0, 1], got ${o.topP}`);
  if (typeof o.repetitionPenalty !== 'number' || !Number.isFinite(o.repetitionPenalty) || o.repetitionPenalty <= 0) {
    throw new RangeError(`sampling option repetitionPenalty must be a positive number, got ${o.repetitionPenalty}`);
  }
  if (!Number.isSafeInteger(o.repetitionPenaltyLastN) || o.repetitionPenaltyLastN < 0) {
    throw new RangeError(`sampling option repetitionPenaltyLastN must be a non-negative integer, got ${o.repetitionPenaltyLastN}`);
  }
  if (!Number.isSafeInteger(o.seed)) throw new RangeError(`sampling option seed must be an integer, got ${o.seed}`);
  return o;
}

/**
 * Index of the largest value; the lowest index wins ties. NaN never wins (all-NaN gives 0).
 * @param logits `[vocab]`
 * @throws {RangeError} when `logits` is empty
 */
export function argmax(logits: ArrayLike<number>): number {
  const n = logits.length;
  if (n === 0) throw new RangeError('argmax of an empty array');
  let best = 0;
  let bestVal = logits[0];
  for (let i = 1; i < n; i++) {
    const v = logits[i];
    if (v > bestVal || (bestVal !== bestVal && v === v)) {
      best = i;
      bestVal = v;
    }
  }
  return best;
}

/**
 * Numerically stable softmax in float32: `m = max(l)`, `e_i = exp(l_i − m)`, `Z = Σ e_i` (ascending index order),
 * `p_i = e_i / Z`, each step rounded to float32. `-Infinity` logits get probability 0.
 * @param logits `[n]`
 * @returns `[n]` probabilities summing to 1 (up to float32 rounding)
 * @throws {RangeError} when empty, when a logit is NaN or +Infinity, or when every logit is -Infinity
 */
export function softmax(logits: ArrayLike<number>): Float32Array {
  const n = logits.length;
  if (n === 0) throw new RangeError('softmax of an empty array');
  const out = new Float32Array(logits);
  checkLogits(out);
  let m = -Infinity;
  for (let i = 0; i < n; i++) if (out[i] > m) m = out[i];
  if (m === -Infinity) throw new RangeError('softmax: every logit is -Infinity');
  let z = 0;
  for (let i = 0; i < n; i++) {
    out[i] = Math.exp(Math.fround(out[i] - m));
    z = Math.fround(z + out[i]);
  }
  for (let i = 0; i < n; i++) out[i] = out[i] / z;
  return out;
}

/** {@link argmax} of logits that pass {@link checkLogits}, in one pass. */
function checkedArgmax(l: Float32Array): number {
  let best = 0;
  let bestVal = -Infinity;
  for (let i = 0; i < l.length; i++) {
    const v = l[i];
    if (!(v < Infinity)) throw new RangeError(`logits[${i}] is ${v}: logits must be finite or -Infinity`);
    if (v > bestVal) {
      best = i;
      bestVal = v;
    }
  }
  return best;
}

function checkLogits(w: Float32Array): void {
  for (let i = 0; i < w.length; i++) {
    // finite values and -Infinity pass the first test; NaN and +Infinity fail it
    if (!(w[i] < Infinity)) throw new RangeError(`logits[${i}] is ${w[i]}: logits must be finite or -Infinity`);
  }
}

/**
 * Applies the CTRL repetition penalty in place (step 1 of docs/formats.md "Sampling"): each distinct id among the last
 * `lastN` entries of `history` gets `l > 0 ? l / r : l * r` (in float32), once however often it occurs.
 * @param logits `[vocab]`, modified in place
 * @throws {RangeError} when a history entry is not a token id in [0, vocab)
 */
export function applyRepetitionPenalty(logits: Float32Array, history: ArrayLike<number>, penalty: number, lastN: number): void {
  if (penalty === 1 || lastN <= 0 || history.length === 0) return;
  const r = Math.fround(penalty);
  const seen = new Set<number>();
  for (let i = Math.max(0, history.length - lastN); i < history.length; i++) {
    const id = history[i];
    if (!Number.isInteger(id) || id < 0 || id >= logits.length) {
      throw new RangeError(`history[${i}] = ${id} is not a token id in [0, ${logits.length})`);
    }
    if (seen.has(id)) continue;
    seen.add(id);
    const l = logits[id];
    logits[id] = l > 0 ? l / r : l * r;
  }
}

/**
 * Binary max-heap of indices ordered by (key desc, index asc): pops the indices in exactly the order docs/formats.md
 * prescribes without sorting the whole vocabulary (O(n) build, O(log n) a pop).
 */
class OrderHeap {
  private readonly heap: Uint32Array;
  private size: number;
  constructor(private readonly key: Float32Array, items: Uint32Array) {
    this.heap = items;
    this.size = items.length;
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.down(i);
  }
  private before(a: number, b: number): boolean {
    const ka = this.key[a];
    const kb = this.key[b];
    return ka > kb || (ka === kb && a < b);
  }
  private down(i: number): void {
    const h = this.heap;
    const x = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.size) break;
      if (c + 1 < this.size && this.before(h[c + 1], h[c])) c++;
      if (!this.before(h[c], x)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = x;
  }
  get length(): number {
    return this.size;
  }
  pop(): number {
    const h = this.heap;
    const top = h[0];
    this.size--;
    if (this.size > 0) {
      h[0] = h[this.size];
      this.down(0);
    }
    return top;
  }
}

/**
 * The `k` first indices in (key desc, index asc) order, returned in ascending index order. One pass with a size-k
 * heap whose root is the worst kept entry, so most of a large vocabulary costs one comparison each.
 */
function topKIndices(key: Float32Array, k: number): Uint32Array {
  const h = new Uint32Array(k);
  for (let i = 0; i < k; i++) h[i] = i;
  // worse(a, b): a comes after b in (key desc, index asc) order
  const worse = (a: number, b: number) => key[a] < key[b] || (key[a] === key[b] && a > b);
  const down = (i: number) => {
    const x = h[i];
    for (;;) {
      let c = 2 * i + 1;
      if (c >= k) break;
      if (c + 1 < k && worse(h[c + 1], h[c])) c++;
      if (!worse(h[c], x)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = x;
  };
  for (let i = (k >> 1) - 1; i >= 0; i--) down(i);
  let worst = key[h[0]!]!; // the key of the worst kept index, kept in a local: this loop reads the whole vocabulary
  for (let i = k; i < key.length; i++) {
    // i is larger than every index so far: it enters only with a strictly larger key than the worst kept one
    if (key[i]! > worst) {
      h[0] = i;
      down(0);
      worst = key[h[0]!]!;
    }
  }
  return h.sort();
}

/**
 * Yields `kept` in (prob desc, index asc) order, lazily. Most of the time only a short prefix is needed (until a
 * running sum reaches `need`), so the first stage holds only the tokens whose float32 exponent bucket is among the
 * highest ones that together carry a bit more than `need` (a prefix of the order, as whole buckets are taken); the
 * rest are ordered only if the walk runs past them.
 */
class OrderedWalk {
  private stage: OrderHeap;
  private rest: Uint32Array | null;
  constructor(private readonly p: Float32Array, kept: Uint32Array, need: number) {
    const bits = new Uint32Array(p.buffer, p.byteOffset, p.length);
    const mass = new Float64Array(256);
    for (let j = 0; j < kept.length; j++) mass[bits[kept[j]] >>> 23] += p[kept[j]];
    let cut = 0;
    let acc = 0;
    for (let e = 255; e >= 0; e--) {
      acc += mass[e];
      if (acc > need * (1 + 1e-4) + 1e-6) {
        cut = e;
        break;
      }
    }
    if (cut === 0) {
      this.stage = new OrderHeap(p, kept.slice());
      this.rest = null;
      return;
    }
    let nFirst = 0;
    for (let j = 0; j < kept.length; j++) if (bits[kept[j]] >>> 23 >= cut) nFirst++;
    const first = new Uint32Array(nFirst);
    const rest = new Uint32Array(kept.length - nFirst);
    let a = 0;
    let b = 0;
    for (let j = 0; j < kept.length; j++) {
      const i = kept[j];
      if (bits[i] >>> 23 >= cut) first[a++] = i;
      else rest[b++] = i;
    }
    this.stage = new OrderHeap(p, first);
    this.rest = rest;
  }
  /** The next index in order, or -1 when all are consumed. */
  next(): number {
    if (this.stage.length === 0) {
      if (!this.rest || this.rest.length === 0) return -1;
      this.stage = new OrderHeap(this.p, this.rest);
      this.rest = null;
    }
    return this.stage.pop();
  }
}

/**
 * Picks the next token from one position's logits (docs/formats.md "Sampling"):
 * 1. repetition penalty over the last `repetitionPenaltyLastN` history tokens ({@link applyRepetitionPenalty});
 * 2. `temperature <= 0` → {@link argmax} (lowest index wins ties); otherwise `l / temperature`;
 * 3. top-k: keep the `topK` largest by (logit desc, index asc);
 * 4. softmax over the kept logits (as {@link softmax}); tokens whose probability underflows to 0 are dropped;
 * 5. top-p: in (prob desc, index asc) order keep the shortest prefix whose float32 running sum reaches `topP`
 *    (at least one token);
 * 6. `u = uniform(seed, step)`, `S` = float32 sum of the kept probabilities in ascending index order,
 *    `t = fround(u × S)`; walk the kept tokens in (prob desc, index asc) order accumulating in float32 and return the
 *    first whose running sum exceeds `t` (the last kept token if rounding leaves none).
 *
 * @param logits `[vocab]` float32 logits of one position (not modified)
 * @param opts sampling options (defaults in {@link DEFAULT_SAMPLING})
 * @param step index of this token within the generation (0 for the first sampled token): selects the random number
 * @param history previously seen token ids (prompt and generated), oldest first; only the tail matters
 * @returns a token id in [0, vocab)
 * @throws {RangeError} for invalid options, an empty vocabulary, NaN/+Infinity logits, out-of-range history ids, or
 *   when every logit is -Infinity
 */
export function sampleLogits(logits: Float32Array, opts: SamplingOptions, step: number, history: ArrayLike<number> = []): number {
  const o = resolveSamplingOptions(opts);
  const n = logits.length;
  if (n === 0) throw new RangeError('sampleLogits: empty logits');
  if (!Number.isSafeInteger(step) || step < 0) throw new RangeError(`sampleLogits: step must be a non-negative integer, got ${step}`);
  const penalized = o.repetitionPenalty !== 1 && o.repetitionPenaltyLastN > 0 && history.length > 0;
  if (o.temperature <= 0 && !penalized) return checkedArgmax(logits); // the common greedy case: one pass, no copy
  const w = new Float32Array(logits);
  applyRepetitionPenalty(w, history, o.repetitionPenalty, o.repetitionPenaltyLastN); // keeps NaN and ±Infinity as they are

  if (o.temperature <= 0) return checkedArgmax(w);
  const t = Math.fround(o.temperature);
  let max = -Infinity; // of all logits, for the case without top-k
  for (let i = 0; i < n; i++) {
    const v = w[i];
    if (!(v < Infinity)) throw new RangeError(`logits[${i}] is ${v}: logits must be finite or -Infinity`);
    if (t !== 1) w[i] = v / t;
    if (w[i] > max) max = w[i];
  }

  // 3. top-k (by logit desc, index asc); 4. softmax over the kept logits, sums in ascending index order
  const p = new Float32Array(n); // probabilities by token id; 0 for dropped tokens
  let kept: Uint32Array;
  if (o.topK > 0 && o.topK < n) {
    kept = topKIndices(w, o.topK); // ascending index order, for the sums below
    max = -Infinity;
    for (let j = 0; j < kept.length; j++) if (w[kept[j]] > max) max = w[kept[j]];
  } else {
    kept = new Uint32Array(n);
    for (let i = 0; i < n; i++) kept[i] = i;
  }
  if (max === -Infinity) throw new RangeError('sampleLogits: every kept logit is -Infinity');
  let z = 0;
  let live = 0;
  if (kept.length === n) {
    // every token is kept: the same sums as below without the index indirection (the vocabulary-sized loops of a step)
    for (let i = 0; i < n; i++) {
      p[i] = Math.exp(Math.fround(w[i] - max)); // stored in float32
      z = Math.fround(z + p[i]);
    }
    for (let i = 0; i < n; i++) {
      p[i] = p[i] / z;
      if (p[i] > 0) kept[live++] = i;
    }
  } else {
    for (let j = 0; j < kept.length; j++) {
      const i = kept[j];
      p[i] = Math.exp(Math.fround(w[i] - max));
      z = Math.fround(z + p[i]);
    }
    for (let j = 0; j < kept.length; j++) {
      const i = kept[j];
      p[i] = p[i] / z;
      if (p[i] > 0) kept[live++] = i;
    }
  }
  kept = kept.subarray(0, live);

  // 5. top-p on the (prob desc, index asc) order
  let order: Uint32Array | null = null;
  if (o.topP < 1) {
    const topP = Math.fround(o.topP);
    const walk = new OrderedWalk(p, kept, topP);
    const prefix: number[] = [];
    let c = 0;
    for (let i = walk.next(); i >= 0; i = walk.next()) {
      prefix.push(i);
      c = Math.fround(c + p[i]);
      if (c >= topP) break;
    }
    order = Uint32Array.from(prefix);
    kept = order.slice().sort();
  }

  // 6. draw
  let s = 0;
  for (let j = 0; j < kept.length; j++) s = Math.fround(s + p[kept[j]]);
  const target = Math.fround(uniform(o.seed, step) * s);
  let c = 0;
  let last = -1;
  if (order) {
    for (let j = 0; j < order.length; j++) {
      last = order[j];
      c = Math.fround(c + p[last]);
      if (c > target) return last;
    }
  } else {
    const walk = new OrderedWalk(p, kept, target);
    for (let i = walk.next(); i >= 0; i = walk.next()) {
      last = i;
      c = Math.fround(c + p[i]);
      if (c > target) return last;
    }
  }
  return last;
}
