import { describe, expect, it } from 'vitest';
import { argmax, pcgHash, sampleLogits, softmax, uniform, resolveSamplingOptions, type SamplingOptions } from '../src/index.js';

const f = Math.fround;

/** docs/formats.md "Sampling", written as plainly as possible (full sorts), to check the optimized sampler against. */
function referenceSample(logits: Float32Array, o: Required<SamplingOptions>, step: number, history: number[]): number {
  const w = Float32Array.from(logits);
  const r = f(o.repetitionPenalty);
  for (const id of new Set(history.slice(Math.max(0, history.length - o.repetitionPenaltyLastN)))) w[id] = w[id] > 0 ? f(w[id] / r) : f(w[id] * r);
  if (o.temperature <= 0) return argmax(w);
  for (let i = 0; i < w.length; i++) w[i] = f(w[i] / f(o.temperature));
  let kept = [...w.keys()].sort((a, b) => w[b] - w[a] || a - b);
  if (o.topK > 0) kept = kept.slice(0, o.topK);
  kept.sort((a, b) => a - b);
  const m = Math.max(...kept.map((i) => w[i]));
  const p = new Float32Array(w.length);
  let z = 0;
  for (const i of kept) {
    p[i] = f(Math.exp(f(w[i] - m)));
    z = f(z + p[i]);
  }
  for (const i of kept) p[i] = f(p[i] / z);
  let order = kept.filter((i) => p[i] > 0).sort((a, b) => p[b] - p[a] || a - b);
  if (o.topP < 1) {
    let c = 0;
    let n = 0;
    while (n < order.length) {
      c = f(c + p[order[n++]]);
      if (c >= f(o.topP)) break;
    }
    order = order.slice(0, n);
  }
  let s = 0;
  for (const i of [...order].sort((a, b) => a - b)) s = f(s + p[i]);
  const t = f(uniform(o.seed, step) * s);
  let c = 0;
  for (const i of order) {
    c = f(c + p[i]);
    if (c > t) return i;
  }
  return order[order.length - 1];
}

function rngLogits(n: number, seed: number, scale = 3): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (uniform(seed, i) - 0.5) * 2 * scale;
  return out;
}

describe('rng', () => {
  it('pcgHash matches the known values in docs/formats.md', () => {
    expect([0, 1, 2, 42, 0xffffffff, 123456789].map(pcgHash)).toEqual([129708002, 2831084092, 2055130248, 1223963391, 3861530882, 4272394698]);
    expect(pcgHash(-1)).toBe(pcgHash(0xffffffff));
  });

  it('uniform matches the known values and is k / 2^24 in [0, 1)', () => {
    expect(uniform(0, 0)).toBe(3194371 / 2 ** 24);
    expect(uniform(0, 1)).toBe(6185729 / 2 ** 24);
    expect(uniform(42, 0)).toBe(10880112 / 2 ** 24);
    expect(uniform(42, 1)).toBe(3442485 / 2 ** 24);
    expect(uniform(42, 2)).toBe(5382046 / 2 ** 24);
    expect(uniform(42, 2)).toBe(0.320794939994812);
    expect(uniform(1234, 7)).toBe(5018297 / 2 ** 24);
    let sum = 0;
    for (let i = 0; i < 10000; i++) {
      const u = uniform(7, i);
      expect(u >= 0 && u < 1 && Number.isInteger(u * 2 ** 24) && f(u) === u).toBe(true);
      sum += u;
    }
    expect(Math.abs(sum / 10000 - 0.5)).toBeLessThan(0.01);
  });
});

describe('argmax and softmax', () => {
  it('argmax: the lowest index wins ties', () => {
    expect(argmax([1, 3, 3, 2])).toBe(1);
    expect(argmax([-Infinity, -Infinity])).toBe(0);
    expect(argmax([NaN, 1, 1])).toBe(1);
    expect(() => argmax([])).toThrow(RangeError);
  });

  it('softmax is the float32 softmax', () => {
    const p = softmax([1, 2, 3, -Infinity]);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const z = e[0] + e[1] + e[2];
    expect(p[0]).toBeCloseTo(e[0] / z, 6);
    expect(p[2]).toBeCloseTo(1 / z, 6);
    expect(p[3]).toBe(0);
    expect(() => softmax([NaN])).toThrow(/logits\[0\] is NaN/);
    expect(() => softmax([-Infinity])).toThrow(/-Infinity/);
  });
});

describe('sampleLogits', () => {
  it('temperature 0 is argmax with the lowest index winning ties', () => {
    const l = new Float32Array([0.1, 5, 5, -2]);
    for (let step = 0; step < 20; step++) expect(sampleLogits(l, { temperature: 0, seed: step }, step)).toBe(1);
    expect(sampleLogits(l, { temperature: -1 }, 0)).toBe(1);
  });

  it('top-k = 1 is greedy; a tiny top-p keeps only the most likely token', () => {
    for (let s = 0; s < 50; s++) {
      const l = rngLogits(500, s);
      const best = argmax(l);
      expect(sampleLogits(l, { topK: 1, seed: s }, s)).toBe(best);
      expect(sampleLogits(l, { topP: 1e-6, seed: s, temperature: 2 }, s)).toBe(best);
      expect(sampleLogits(l, { topP: 0, seed: s }, s)).toBe(best);
    }
  });

  it('draws from softmax(logits / T) (chi-square over 40,000 steps)', () => {
    const logits = new Float32Array([2, 1, 0.5, 0, -0.5, -1, -3, 1.5]);
    for (const temperature of [1, 0.7]) {
      const p = softmax(logits.map((l) => l / temperature));
      const counts = new Array(8).fill(0);
      const N = 40000;
      for (let step = 0; step < N; step++) counts[sampleLogits(logits, { temperature, seed: 12345 }, step)]++;
      let chi2 = 0;
      for (let i = 0; i < 8; i++) chi2 += (counts[i] - N * p[i]) ** 2 / (N * p[i]);
      expect(chi2).toBeLessThan(24.3); // 7 degrees of freedom, p = 0.001
    }
  });

  it('top-k and top-p renormalize over the kept tokens', () => {
    const probs = [0.5, 0.3, 0.15, 0.05];
    const logits = new Float32Array(probs.map(Math.log));
    const N = 20000;
    const countK = [0, 0, 0, 0];
    const countP = [0, 0, 0, 0];
    for (let step = 0; step < N; step++) {
      countK[sampleLogits(logits, { topK: 2, seed: 3 }, step)]++;
      countP[sampleLogits(logits, { topP: 0.75, seed: 3 }, step)]++;
    }
    for (const c of [countK, countP]) {
      expect(c[2] + c[3]).toBe(0);
      expect(c[0] / N).toBeGreaterThan(0.625 - 0.02);
      expect(c[0] / N).toBeLessThan(0.625 + 0.02);
    }
    // topP 0.9 keeps three tokens: 0.5 + 0.3 + 0.15 = 0.95 ≥ 0.9
    const seen = new Set<number>();
    for (let step = 0; step < 2000; step++) seen.add(sampleLogits(logits, { topP: 0.9, seed: 3 }, step));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('is deterministic per (seed, step)', () => {
    const l = rngLogits(1000, 9, 2);
    const run = (seed: number) => Array.from({ length: 64 }, (_, s) => sampleLogits(l, { seed, temperature: 0.9, topK: 50, topP: 0.95 }, s));
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
    expect(sampleLogits(l, { seed: 2 ** 32 + 1 }, 3)).toBe(sampleLogits(l, { seed: 1 }, 3));
  });

  it('applies the CTRL repetition penalty once per distinct recent id', () => {
    const l = new Float32Array([2, 1.9, -1, -1.1]);
    const g = (history: number[], opts: SamplingOptions = {}) => sampleLogits(l, { temperature: 0, repetitionPenalty: 1.2, ...opts }, 0, history);
    expect(g([])).toBe(0);
    expect(g([0])).toBe(1); // 2 / 1.2 = 1.67 < 1.9
    expect(g([0, 0, 0, 0])).toBe(1); // once, not 4 times: 1.67 > -1
    expect(g([0, 1], { repetitionPenalty: 100 })).toBe(0); // 0.02 > 0.019 > -1 > -1.1
    const neg = new Float32Array([-1, -1.1]);
    expect(sampleLogits(neg, { temperature: 0, repetitionPenalty: 1.2 }, 0, [0])).toBe(1); // negative: -1 × 1.2 = -1.2 < -1.1
    expect(g([1, 0], { repetitionPenaltyLastN: 1 })).toBe(1); // only the last token (0) is penalized
    expect(g([0, 1], { repetitionPenaltyLastN: 1 })).toBe(0); // only the last token (1) is penalized
    expect(g([0], { repetitionPenaltyLastN: 0 })).toBe(0);
    expect(g([0], { repetitionPenalty: 1 })).toBe(0);
    expect(() => g([9])).toThrow(/history\[0\] = 9/);
  });

  it('equals the plain full-sort reading of docs/formats.md on random cases', () => {
    for (let s = 0; s < 300; s++) {
      const n = 1 + (pcgHash(s) % 300);
      const l = rngLogits(n, s, 1 + (s % 7));
      if (s % 5 === 0) l[pcgHash(s + 1) % n] = -Infinity;
      if (s % 3 === 0) l.fill(l[0], 0, Math.min(n, 10)); // ties
      const o = resolveSamplingOptions({
        temperature: [1, 0.8, 1.3, 0][s % 4],
        topK: [0, 1, 5, 40][(s >> 2) % 4],
        topP: [1, 0.9, 0.5, 0.99][(s >> 1) % 4],
        repetitionPenalty: [1, 1.1, 1.5][s % 3],
        repetitionPenaltyLastN: [64, 3][s % 2],
        seed: s * 7919,
      });
      const history = Array.from({ length: s % 10 }, (_, i) => pcgHash(s * 31 + i) % n);
      for (let step = 0; step < 5; step++) expect(sampleLogits(l, o, step, history)).toBe(referenceSample(l, o, step, history));
    }
  });

  it('equals the plain reading on large peaked and flat vocabularies', () => {
    for (let s = 0; s < 24; s++) {
      const n = [4096, 8000, 32000][s % 3];
      const l = rngLogits(n, 1000 + s, [0.01, 2, 8, 20][s % 4]);
      const o = resolveSamplingOptions({ temperature: [1, 0.7][s % 2], topP: [1, 0.9, 0.5][s % 3], topK: s % 5 === 0 ? 100 : 0, seed: s });
      for (let step = 0; step < 3; step++) expect(sampleLogits(l, o, step)).toBe(referenceSample(l, o, step, []));
    }
  });

  it('rejects bad options and logits with a clear RangeError', () => {
    const l = new Float32Array([1, 2]);
    expect(() => sampleLogits(l, { topP: 1.5 }, 0)).toThrow(/topP/);
    expect(() => sampleLogits(l, { topK: -1 }, 0)).toThrow(/topK/);
    expect(() => sampleLogits(l, { repetitionPenalty: 0 }, 0)).toThrow(/repetitionPenalty/);
    expect(() => sampleLogits(l, { temperature: NaN }, 0)).toThrow(/temperature/);
    expect(() => sampleLogits(l, { seed: 0.5 }, 0)).toThrow(/seed/);
    expect(() => sampleLogits(l, {}, -1)).toThrow(/step/);
    expect(() => sampleLogits(new Float32Array([1, NaN]), {}, 0)).toThrow(/logits\[1\] is NaN/);
    expect(() => sampleLogits(new Float32Array(0), {}, 0)).toThrow(/empty/);
    expect(sampleLogits(new Float32Array([-Infinity, 0]), {}, 0)).toBe(1);
  });
});
