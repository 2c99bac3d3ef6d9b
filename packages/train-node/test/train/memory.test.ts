import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/index.js';
import { generate } from '../../src/model/generate.js';
import { initWeights } from '../../src/model/init.js';
import { LlamaModel } from '../../src/model/llama.js';
import { microConfig } from '../helpers/prepared.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

it('keeps tf.memory().numTensors flat over many training steps, evaluations and generations', async () => {
  const config = microConfig();
  const model = new LlamaModel(config);
  const w = initWeights(config, 3);
  model.setWeights(w);
  const B = 2;
  const T = 12;
  const tokens = Int32Array.from({ length: B * (T + 1) }, (_, i) => 12 + ((i * 31) % 50));
  const step = async () => {
    const { grads } = await model.lossAndGrads(tokens, B, T);
    model.setWeights(new Map(model.params.map((p, i) => [p.name, grads[i]!.map((g, j) => w.get(p.name)![j]! - 1e-3 * g)])));
    await model.evalLoss(tokens, B, T);
  };
  await step();
  await generate(model, [2, 20], { maxNewTokens: 3, temperature: 0 });
  const before = tf.memory().numTensors;
  const bytesBefore = tf.memory().numBytes;
  for (let i = 0; i < 60; i++) await step();
  await generate(model, [2, 20], { maxNewTokens: 3, temperature: 0 });
  expect(tf.memory().numTensors).toBe(before);
  expect(tf.memory().numBytes).toBe(bytesBefore);
  model.dispose();
});
