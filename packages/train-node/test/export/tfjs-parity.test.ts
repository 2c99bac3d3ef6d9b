/**
 * The tfjs training model's forward pass (src/model) and the exported ONNX decoder run by onnxruntime-node give the
 * same logits to 1e-4: one full pass, and prefill + 20 KV-cache decode steps against the tfjs full pass.
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { selectBackend } from '../../src/backend/index.js';
import { loadLlamaModel, type LoadedModel } from '../../src/export/checkpoint.js';
import { buildLlamaDecoderOnnx } from '../../src/export/onnx/llama-decoder.js';
import { LlamaModel } from '../../src/model/llama.js';
import { dimsOf, emptyPast, FIXTURES, maxAbsDiff, ort, readGolden, step } from './ort-helpers.js';

const TOL = 1e-4;
let loaded: LoadedModel;
let tfjsLogits: Float32Array;
let model: LlamaModel;
const ids = readGolden('tiny').input_ids;

beforeAll(async () => {
  await selectBackend('cpu');
  loaded = loadLlamaModel(join(FIXTURES, 'tiny'));
  model = new LlamaModel(loaded.config);
  model.setWeights(loaded.weights);
  const idsT = tf.tensor1d(ids, 'int32');
  const logits = model.forward(idsT, 1, ids.length);
  tfjsLogits = logits.dataSync() as Float32Array;
  tf.dispose([idsT, logits]);
});

afterAll(() => model?.dispose());

test('tfjs forward = onnxruntime-node (fp32), full pass and prefill + 20 cached decode steps', async () => {
  const d = dimsOf(loaded.config as unknown as Record<string, number>);
  const V = d.vocab;
  const session = await ort.InferenceSession.create(buildLlamaDecoderOnnx(loaded.config, loaded.weights));
  const full = await step(session, d, [ids], [ids.map(() => 1)], emptyPast(d, 1));
  expect(maxAbsDiff(full.logits, 0, tfjsLogits, 0, ids.length * V)).toBeLessThan(TOL);
  const P = ids.length - 20;
  let r = await step(session, d, [ids.slice(0, P)], [ids.slice(0, P).map(() => 1)], emptyPast(d, 1));
  expect(maxAbsDiff(r.logits, 0, tfjsLogits, 0, P * V)).toBeLessThan(TOL);
  for (let t = P; t < ids.length; t++) {
    r = await step(session, d, [[ids[t]!]], [ids.slice(0, t + 1).map(() => 1)], r.past);
    expect(maxAbsDiff(r.logits, 0, tfjsLogits, t * V, V), `step ${t}`).toBeLessThan(TOL);
  }
});
