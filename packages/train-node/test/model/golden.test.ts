import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/index.js';
import { readSafetensors, toFloat32, type LlamaConfig } from '@tinyzh/core';
import { LlamaModel } from '../../src/model/llama.js';

// Fixtures from scripts/make-model-fixtures.py (HF transformers LlamaForCausalLM, float32).
const root = join(__dirname, '..', 'fixtures', 'model');
const cases = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

function relErr(a: Float32Array, b: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < b.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    maxRef = Math.max(maxRef, Math.abs(b[i]!));
  }
  return maxDiff / maxRef;
}

describe.each(['wasm', 'cpu'] as const)('Llama forward/backward equals transformers on %s', (backend) => {
  it.each(cases)('%s', async (name) => {
    await selectBackend(backend);
    const dir = join(root, name);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as LlamaConfig;
    const weights = readSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
    const golden = readSafetensors(new Uint8Array(readFileSync(join(dir, 'golden.safetensors')))).tensors;
    const tokens = (JSON.parse(readFileSync(join(dir, 'batch.json'), 'utf8')) as { tokens: number[][] }).tokens;
    const B = tokens.length;
    const T = tokens[0]!.length - 1;
    const model = new LlamaModel(config);
    model.setWeights(new Map([...weights.tensors].map(([k, v]) => [k, toFloat32(v)])));
    const flat = Int32Array.from(tokens.flat());

    const ids = tf.tensor1d(Int32Array.from(tokens.flatMap((r) => r.slice(0, T))), 'int32');
    const logits = model.forward(ids, B, T);
    expect(relErr(logits.dataSync() as Float32Array, toFloat32(golden.get('logits')!))).toBeLessThan(1e-4);
    tf.dispose([ids, logits]);

    const { loss, grads } = await model.lossAndGrads(flat, B, T);
    const refLoss = toFloat32(golden.get('loss')!)[0]!;
    expect(Math.abs(loss - refLoss) / refLoss).toBeLessThan(1e-4);
    model.params.forEach((p, i) => {
      const ref = golden.get(`grad.${p.name}`);
      expect(ref, p.name).toBeDefined();
      const e = relErr(grads[i]!, toFloat32(ref!));
      expect(e, p.name).toBeLessThan(1e-4);
    });
    model.dispose();
  });
});
