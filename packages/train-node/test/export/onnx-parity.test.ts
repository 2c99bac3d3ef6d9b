/**
 * The exported ONNX decoder against golden logits of the reference forward pass
 * (scripts/make-export-fixtures.py): full pass, KV-cache prefill + 20 decode steps, left-padded batches, and the
 * fp16 / int8 variants against fp32.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { float16BitsArrayToFloat32, float32ArrayToFloat16Bits } from '@tinyzh/core';
import { dequantizeInt4Blocks, quantizeInt4Blocks } from '../../src/export/quantize.js';
import { loadLlamaModel, type LoadedModel } from '../../src/export/checkpoint.js';
import { buildLlamaDecoderOnnx } from '../../src/export/onnx/llama-decoder.js';
import { argmax, dimsOf, emptyPast, FIXTURES, maxAbsDiff, ort, readGolden, step, type Dims, type Golden } from './ort-helpers.js';
import { join } from 'node:path';

const TOL = 1e-4;

describe('tiny GQA model (tied embeddings)', () => {
  let model: LoadedModel;
  let golden: Golden;
  let d: Dims;
  let fp32: ort.InferenceSession;

  beforeAll(async () => {
    model = loadLlamaModel(join(FIXTURES, 'tiny'));
    golden = readGolden('tiny');
    d = dimsOf(model.config as unknown as Record<string, number>);
    fp32 = await ort.InferenceSession.create(buildLlamaDecoderOnnx(model.config, model.weights));
  });

  test('full forward pass equals the reference logits to 1e-4', async () => {
    const ids = golden.input_ids;
    const r = await step(fp32, d, [ids], [ids.map(() => 1)], emptyPast(d, 1));
    expect(r.dims).toEqual([1, ids.length, d.vocab]);
    expect(maxAbsDiff(r.logits, 0, golden.logits, 0, ids.length * d.vocab)).toBeLessThan(TOL);
  });

  test('KV cache: prefill of 7 tokens then 20 single-token steps equal the reference to 1e-4', async () => {
    const ids = golden.input_ids;
    const P = 7;
    let r = await step(fp32, d, [ids.slice(0, P)], [ids.slice(0, P).map(() => 1)], emptyPast(d, 1));
    expect(maxAbsDiff(r.logits, 0, golden.logits, 0, P * d.vocab)).toBeLessThan(TOL);
    for (let t = P; t < P + 20; t++) {
      r = await step(fp32, d, [[ids[t]!]], [ids.slice(0, t + 1).map(() => 1)], r.past);
      expect(r.dims).toEqual([1, 1, d.vocab]);
      expect(r.past['past_key_values.0.key']!.dims).toEqual([1, d.kvHeads, t + 1, d.headDim]);
      expect(maxAbsDiff(r.logits, 0, golden.logits, t * d.vocab, d.vocab), `step ${t}`).toBeLessThan(TOL);
    }
  });

  test('left-padded batch: each row equals its unpadded reference, during prefill and decode', async () => {
    const ids = golden.input_ids;
    const pad = 3;
    const long = ids.slice(0, 10);
    const short = [3, 3, 3, ...ids.slice(0, 10 - pad)];
    const mask = [long.map(() => 1), short.map((_, i) => (i < pad ? 0 : 1))];
    let r = await step(fp32, d, [long, short], mask, emptyPast(d, 2));
    const V = d.vocab;
    const S = 10;
    expect(maxAbsDiff(r.logits, 0, golden.logits, 0, S * V)).toBeLessThan(TOL);
    expect(maxAbsDiff(r.logits, (S + pad) * V, golden.logits, 0, (S - pad) * V)).toBeLessThan(TOL);
    expect(r.logits.every(Number.isFinite)).toBe(true);
    // Three decode steps: row 0 continues with ids[10..], row 1 with ids[7..].
    for (let t = 0; t < 3; t++) {
      for (const m of mask) m.push(1);
      r = await step(fp32, d, [[ids[S + t]!], [ids[S - pad + t]!]], mask, r.past);
      expect(maxAbsDiff(r.logits, 0, golden.logits, (S + t) * V, V)).toBeLessThan(TOL);
      expect(maxAbsDiff(r.logits, V, golden.logits, (S - pad + t) * V, V)).toBeLessThan(TOL);
    }
  });

  test('fp16-weight and int8-weight variants stay close to fp32', async () => {
    const ids = golden.input_ids;
    const n = ids.length * d.vocab;
    const scale = Math.max(...golden.logits.map(Math.abs));
    for (const [format, bound] of [['fp16', 0.02], ['int8', 0.1]] as const) {
      const s = await ort.InferenceSession.create(
        buildLlamaDecoderOnnx(model.config, model.weights, { weightFormat: format, float32ToFloat16: float32ArrayToFloat16Bits }),
      );
      const r = await step(s, d, [ids], [ids.map(() => 1)], emptyPast(d, 1));
      const err = maxAbsDiff(r.logits, 0, golden.logits, 0, n);
      // Relative to the largest |logit| (37 here): fp16 rounding ~1e-3 of a weight, int8 ~1/254 of a channel's max.
      expect(err / scale, `${format}: max |Δlogit| ${err}`).toBeLessThan(bound);
      let agree = 0;
      for (let t = 0; t < ids.length; t++) agree += Number(argmax(r.logits, t * d.vocab, d.vocab) === argmax(Float32Array.from(golden.logits), t * d.vocab, d.vocab));
      expect(agree / ids.length, `${format}: greedy agreement`).toBeGreaterThan(0.8);
    }
  });

  test('q4 (MatMulNBits) computes exactly with its dequantized weights, and stays near fp32', async () => {
    const ids = golden.input_ids;
    const c = model.config;
    const q4 = await ort.InferenceSession.create(
      buildLlamaDecoderOnnx(c, model.weights, { weightFormat: 'q4', float32ToFloat16: float32ArrayToFloat16Bits }),
    );
    // The same model in fp32 with every projection replaced by its 4-bit dequantization, the embedding rounded to
    // float16 and the (tied) head untied as its own 4-bit dequantization.
    const deq = new Map<string, Float32Array>();
    for (const [name, w] of model.weights) {
      if (/_proj\.weight$/.test(name)) {
        const [n, k] = name.includes('o_proj') || name.includes('down_proj') ? [c.hidden_size, w.length / c.hidden_size] : [w.length / c.hidden_size, c.hidden_size];
        deq.set(name, dequantizeInt4Blocks(quantizeInt4Blocks(w, n!, k!, 32), n!, k!, 32));
      } else deq.set(name, w);
    }
    const embed = model.weights.get('model.embed_tokens.weight')!;
    deq.set('model.embed_tokens.weight', float16BitsArrayToFloat32(float32ArrayToFloat16Bits(embed)));
    deq.set('lm_head.weight', dequantizeInt4Blocks(quantizeInt4Blocks(embed, c.vocab_size, c.hidden_size, 32), c.vocab_size, c.hidden_size, 32));
    const ref = await ort.InferenceSession.create(buildLlamaDecoderOnnx({ ...c, tie_word_embeddings: false }, deq));
    const a = await step(q4, d, [ids], [ids.map(() => 1)], emptyPast(d, 1));
    const b = await step(ref, d, [ids], [ids.map(() => 1)], emptyPast(d, 1));
    expect(maxAbsDiff(a.logits, 0, b.logits, 0, ids.length * d.vocab)).toBeLessThan(1e-3);
    // 4-bit weights of a random model move logits by up to ~1/3 of their range; the argmax mostly survives.
    let agree = 0;
    for (let t = 0; t < ids.length; t++) agree += Number(argmax(a.logits, t * d.vocab, d.vocab) === argmax(Float32Array.from(golden.logits), t * d.vocab, d.vocab));
    expect(agree / ids.length).toBeGreaterThan(0.6);
  });
});

describe('llama2.c-shaped Hugging Face checkpoint (F16, untied head, MHA, no head_dim)', () => {
  test('loads, and its decoder equals the reference to 1e-4', async () => {
    const model = loadLlamaModel(join(FIXTURES, 'llama2c-hf'));
    expect(model.ignored.sort()).toEqual(['model.layers.0.self_attn.rotary_emb.inv_freq', 'model.layers.1.self_attn.rotary_emb.inv_freq']);
    expect(model.config.tie_word_embeddings).toBe(false);
    const golden = readGolden('llama2c-hf');
    const d = dimsOf(model.config as unknown as Record<string, number>);
    const s = await ort.InferenceSession.create(buildLlamaDecoderOnnx(model.config, model.weights));
    const ids = golden.input_ids;
    const r = await step(s, d, [ids], [ids.map(() => 1)], emptyPast(d, 1));
    expect(maxAbsDiff(r.logits, 0, golden.logits, 0, ids.length * d.vocab)).toBeLessThan(TOL);
  });
});
