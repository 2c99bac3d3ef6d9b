#!/usr/bin/env node
/**
 * Export benchmark: builds the fp32 / fp16 / int8 / q4 ONNX decoders of a random-weight model of the `small` preset
 * (vocab 4096), then with onnxruntime-node (CPU, 1 intra-op thread) measures for each variant
 *   - file size (bytes) and ratio to fp32,
 *   - logit error vs fp32 over a 64-token prefill: max and mean |Δ|, max |Δ| / max |logit|, top-1 agreement,
 *   - decode speed: 64 single-token KV-cache steps after the prefill, best of 3 (tokens/s), and ratio to fp32 (same run).
 * Weights: matrices N(0, 0.05²), embedding N(0, 1), norms 1 + N(0, 0.1²) (random, not trained: error figures of a
 * trained model will differ). Progress goes to stderr; the last stdout line is one JSON object.
 *
 *     node bench/export.mjs [--preset small|tiny|stories15m] [--vocab 4096]
 *
 * As a module (bench/index.mjs): `run()` returns `{ export: {...} }`.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { PRESETS, llamaTensorSpecs, float32ArrayToFloat16Bits } from '@tinyzh/core';
import * as ort from 'onnxruntime-node';
import { buildLlamaDecoderOnnx } from '../dist/index.js';

/** Runs the benchmark; `opts.preset` / `opts.vocab` as the CLI flags. */
export async function run(opts = {}) {
  const values = { preset: opts.preset ?? 'small', vocab: opts.vocab ?? '4096' };
  const config = { ...PRESETS[values.preset], vocab_size: Number(values.vocab) };
  const log = (m) => process.stderr.write(`${m}\n`);

  // Deterministic normal samples (mulberry32 + Box-Muller).
  let s = 12345;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

  const weights = new Map();
  for (const spec of llamaTensorSpecs(config)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    const std = spec.shape.length === 1 ? 0.1 : spec.name.includes('embed') || spec.name.startsWith('lm_head') ? 1 : 0.05;
    for (let i = 0; i < n; i++) a[i] = (spec.shape.length === 1 ? 1 : 0) + std * normal();
    weights.set(spec.name, a);
  }
  const params = [...weights.values()].reduce((n, w) => n + w.length, 0);
  log(`model: preset ${values.preset}, vocab ${config.vocab_size}, ${params} parameters`);

  const L = config.num_hidden_layers;
  const KV = config.num_key_value_heads;
  const D = config.head_dim;
  const V = config.vocab_size;
  const i64 = (a, dims) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), dims);
  const PREFILL = 64;
  const STEPS = 64;
  const prompt = Array.from({ length: PREFILL }, (_, i) => 12 + ((i * 7919) % (V - 12)));

  async function measure(bytes) {
    const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const past = {};
    for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, KV, 0, D]);
    let t0 = performance.now();
    let out = await session.run({ input_ids: i64(prompt, [1, PREFILL]), attention_mask: i64(prompt.map(() => 1), [1, PREFILL]), position_ids: i64(prompt.map((_, i) => i), [1, PREFILL]), ...past });
    const prefillMs = performance.now() - t0;
    const logits = Float32Array.from(out.logits.data);
    // Decode: 3 repetitions of STEPS cached steps from the same prefill; the fastest counts (the machine is shared).
    const prefillOut = out;
    let decodeMs = Infinity;
    for (let rep = 0; rep < 3; rep++) {
      out = prefillOut;
      t0 = performance.now();
      let total = PREFILL;
      for (let t = 0; t < STEPS; t++) {
        const feeds = { input_ids: i64([12 + t], [1, 1]), attention_mask: i64(Array(total + 1).fill(1), [1, total + 1]), position_ids: i64([total], [1, 1]) };
        for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
        out = await session.run(feeds);
        total++;
      }
      decodeMs = Math.min(decodeMs, performance.now() - t0);
    }
    await session.release();
    return { logits, prefillMs, decodeTokensPerSecond: (STEPS * 1000) / decodeMs };
  }

  const argmaxAt = (a, off) => {
    let b = 0;
    for (let i = 1; i < V; i++) if (a[off + i] > a[off + b]) b = i;
    return b;
  };

  const results = {};
  let ref;
  for (const format of ['fp32', 'fp16', 'int8', 'q4']) {
    const t0 = performance.now();
    const bytes = buildLlamaDecoderOnnx(config, weights, { weightFormat: format, float32ToFloat16: float32ArrayToFloat16Bits });
    const buildMs = performance.now() - t0;
    const m = await measure(bytes);
    if (format === 'fp32') ref = { ...m, size: bytes.byteLength };
    let maxErr = 0;
    let sumErr = 0;
    let maxLogit = 0;
    for (let i = 0; i < m.logits.length; i++) {
      const e = Math.abs(m.logits[i] - ref.logits[i]);
      maxErr = Math.max(maxErr, e);
      sumErr += e;
      maxLogit = Math.max(maxLogit, Math.abs(ref.logits[i]));
    }
    let agree = 0;
    for (let t = 0; t < PREFILL; t++) agree += argmaxAt(m.logits, t * V) === argmaxAt(ref.logits, t * V) ? 1 : 0;
    results[format] = {
      bytes: bytes.byteLength,
      size_ratio_vs_fp32: +(bytes.byteLength / ref.size).toFixed(3),
      build_ms: Math.round(buildMs),
      max_abs_logit_error: +maxErr.toExponential(3),
      mean_abs_logit_error: +(sumErr / m.logits.length).toExponential(3),
      max_error_over_max_logit: +(maxErr / maxLogit).toExponential(3),
      top1_agreement: +(agree / PREFILL).toFixed(3),
      prefill_ms: +m.prefillMs.toFixed(1),
      decode_tokens_per_s: +m.decodeTokensPerSecond.toFixed(1),
      decode_speed_ratio_vs_fp32: +(m.decodeTokensPerSecond / ref.decodeTokensPerSecond).toFixed(3),
    };
    log(`${format}: ${JSON.stringify(results[format])}`);
  }

  return { export: { preset: values.preset, vocab_size: V, parameters: params, runtime: 'onnxruntime-node cpu, 1 thread', prefill_tokens: PREFILL, decode_steps: STEPS, variants: results } };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { preset: { type: 'string', default: 'small' }, vocab: { type: 'string', default: '4096' } } });
  console.log(JSON.stringify(await run(values)));
}
