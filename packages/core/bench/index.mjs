// @tinyzh/core bench: CPU sampler and safetensors speed, each next to a reference measured in the same run.
// Prints progress to stderr and ONE JSON object as the last stdout line. Run after `npx tsup`.
import { performance } from 'node:perf_hooks';
import {
  PRESETS,
  fromFloat32,
  float32ArrayToFloat16Bits,
  llamaTensorSpecs,
  numel,
  readSafetensors,
  sampleLogits,
  uniform,
  writeSafetensors,
} from '../dist/index.js';

const log = (...a) => console.error('[core bench]', ...a);

function logitsFor(vocab, seed) {
  // roughly LM-shaped: a few strong candidates over a broad low tail
  const l = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) {
    const u1 = Math.max(uniform(seed, 2 * i), 1e-7);
    const u2 = uniform(seed, 2 * i + 1);
    l[i] = 2.5 * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  for (let j = 0; j < 8; j++) l[(seed * 7919 + j * 104729) % vocab] += 8 - j;
  return l;
}

/** median time per call (µs) over `reps` calls, after `warm` warm-up calls */
async function time(fn, reps, warm = 20) {
  for (let i = 0; i < warm; i++) await fn(i);
  const t = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn(i);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return +(t[t.length >> 1] * 1000).toFixed(1);
}

// transformers.js (v4) per-token sampling path: RepetitionPenalty + Temperature processors, then MultinomialSampler
// (topk through its ORT TopK op, softmax, weighted draw) — rebuilt from its exported pieces, as that class is private.
let tjs = null;
try {
  tjs = await import('@huggingface/transformers');
  log('transformers.js', tjs.env?.version ?? '');
} catch (e) {
  log('transformers.js unavailable:', e.message);
}
async function tjsSample(logits, history, o) {
  const { Tensor, RepetitionPenaltyLogitsProcessor, TemperatureLogitsWarper, topk, softmax } = tjs;
  const t = new Tensor('float32', Float32Array.from(logits), [1, logits.length]);
  new RepetitionPenaltyLogitsProcessor(o.repetitionPenalty)._call([history.map(BigInt)], t);
  new TemperatureLogitsWarper(o.temperature)._call(null, t[0]);
  const [v, i] = await topk(t[0], o.topK > 0 ? Math.min(o.topK, logits.length) : logits.length);
  const p = softmax(v.data);
  let r = Math.random();
  for (let j = 0; j < p.length; j++) if ((r -= p[j]) <= 0) return Number(i.data[j]);
  return Number(i.data[0]);
}

// the plain reading of docs/formats.md "Sampling" with full sorts (as in test/sampler.test.ts)
function naiveSample(logits, o, step, history) {
  const f = Math.fround;
  const w = Float32Array.from(logits);
  for (const id of new Set(history.slice(-o.repetitionPenaltyLastN))) w[id] = w[id] > 0 ? f(w[id] / o.repetitionPenalty) : f(w[id] * o.repetitionPenalty);
  for (let i = 0; i < w.length; i++) w[i] = f(w[i] / o.temperature);
  let kept = [...w.keys()].sort((a, b) => w[b] - w[a] || a - b);
  if (o.topK > 0) kept = kept.slice(0, o.topK);
  const m = w[kept[0]];
  const p = new Float32Array(w.length);
  let z = 0;
  for (const i of kept) z = f(z + (p[i] = f(Math.exp(f(w[i] - m)))));
  for (const i of kept) p[i] = f(p[i] / z);
  let order = kept.filter((i) => p[i] > 0).sort((a, b) => p[b] - p[a] || a - b);
  if (o.topP < 1) {
    let c = 0;
    let n = 0;
    while (n < order.length && (c = f(c + p[order[n++]])) < o.topP);
    order = order.slice(0, n);
  }
  let s = 0;
  for (const i of order) s = f(s + p[i]);
  const t = f(uniform(o.seed, step) * s);
  let c = 0;
  for (const i of order) if ((c = f(c + p[i])) > t) return i;
  return order[order.length - 1];
}

const sampler = {};
for (const vocab of [4096, 32000]) {
  const logits = Array.from({ length: 8 }, (_, s) => logitsFor(vocab, s + 1));
  const history = Array.from({ length: 64 }, (_, i) => (i * 2654435761) % vocab);
  for (const [label, o] of [
    ['T0.8_topK50_rep1.1', { temperature: 0.8, topK: 50, topP: 1, repetitionPenalty: 1.1, repetitionPenaltyLastN: 64, seed: 1 }],
    ['T0.8_topP0.9_rep1.1', { temperature: 0.8, topK: 0, topP: 0.9, repetitionPenalty: 1.1, repetitionPenaltyLastN: 64, seed: 1 }],
    ['T1_plain', { temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1, repetitionPenaltyLastN: 64, seed: 1 }],
  ]) {
    const ours = await time((i) => sampleLogits(logits[i % 8], o, i, history), 300);
    const naive = await time((i) => naiveSample(logits[i % 8], o, i, history), vocab > 10000 ? 40 : 100, 5);
    const row = { ours_us: ours, naive_full_sort_us: naive, speedup_vs_naive: +(naive / ours).toFixed(2) };
    if (tjs && o.topP === 1) {
      // transformers.js 4.x ignores top_p (TopPLogitsWarper has no _call), so it is compared on the top-k/plain rows only
      const t = await time((i) => tjsSample(logits[i % 8], history, o), vocab > 10000 ? 60 : 150, 10);
      Object.assign(row, { transformersjs_us: t, speedup_vs_transformersjs: +(t / ours).toFixed(2) });
    }
    sampler[`vocab${vocab}_${label}`] = row;
    log(`sampler vocab ${vocab} ${label}`, JSON.stringify(row));
  }
}

// safetensors: write and read an F32 model of the `small` preset (vocab 4096) — reference: one memcpy of its bytes
const specs = llamaTensorSpecs(PRESETS.small);
const tensors = {};
let seed = 1;
for (const s of specs) tensors[s.name] = fromFloat32(new Float32Array(numel(s.shape)).fill(seed++ / 100), s.shape);
const bytesFile = writeSafetensors(tensors);
const mb = bytesFile.byteLength / 1e6;
const writeUs = await time(() => writeSafetensors(tensors), 10, 2);
const readUs = await time(() => readSafetensors(bytesFile), 50, 5);
const memcpyUs = await time(() => bytesFile.slice(), 20, 3);
const safetensors = {
  file_mb: +mb.toFixed(1),
  tensors: specs.length,
  write_ms: +(writeUs / 1000).toFixed(2),
  write_mb_per_s: Math.round(mb / (writeUs / 1e6)),
  read_ms: +(readUs / 1000).toFixed(3),
  memcpy_ms: +(memcpyUs / 1000).toFixed(2),
  write_vs_memcpy: +(writeUs / memcpyUs).toFixed(2),
  note: 'read returns views (no copy): its time is header parsing and validation',
};
log('safetensors', JSON.stringify(safetensors));

const n = 1 << 22;
const src = new Float32Array(n).map((_, i) => (i % 1000) / 37 - 13);
const f16us = await time(() => float32ArrayToFloat16Bits(src), 5, 1);
const dtype = { f32_to_f16_mvalues_per_s: Math.round(n / f16us) };
log('dtype', JSON.stringify(dtype));

console.log(JSON.stringify({ sampler, safetensors, dtype }));
