/**
 * The exported graphs run in onnxruntime-web's WebAssembly backend (what browsers without WebGPU use), with the
 * KV cache: fp32 equals the reference to 1e-4 over a prefill and 5 decode steps; fp16, int8 and q4 load and run.
 */
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { beforeAll, expect, test } from 'vitest';
import { readBytes } from '../../src/export/checkpoint.js';
import { FIXTURES, maxAbsDiff, readGolden } from './ort-helpers.js';

const folder = join(FIXTURES, 'tiny-random');
const golden = readGolden('tiny');
const V = 320;
const L = 2;

beforeAll(() => {
  ortWeb.env.wasm.numThreads = 1;
});

const i64 = (a: number[], d: number[]) => new ortWeb.Tensor('int64', BigInt64Array.from(a.map((x) => BigInt(x))), d);

async function run(file: string): Promise<number> {
  const session = await ortWeb.InferenceSession.create(readBytes(join(folder, 'onnx', file)), { executionProviders: ['wasm'] });
  const ids = golden.input_ids;
  const P = 6;
  const feeds: Record<string, ortWeb.Tensor> = {
    input_ids: i64(ids.slice(0, P), [1, P]),
    attention_mask: i64(Array(P).fill(1), [1, P]),
    position_ids: i64([...Array(P).keys()], [1, P]),
  };
  for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) feeds[`past_key_values.${i}.${kv}`] = new ortWeb.Tensor('float32', new Float32Array(0), [1, 2, 0, 16]);
  let out = await session.run(feeds);
  let err = maxAbsDiff(out.logits!.data as Float32Array, 0, golden.logits, 0, P * V);
  for (let t = P; t < P + 5; t++) {
    const next: Record<string, ortWeb.Tensor> = {
      input_ids: i64([ids[t]!], [1, 1]),
      attention_mask: i64(Array(t + 1).fill(1), [1, t + 1]),
      position_ids: i64([t], [1, 1]),
    };
    for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) next[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`]!;
    out = await session.run(next);
    err = Math.max(err, maxAbsDiff(out.logits!.data as Float32Array, 0, golden.logits, t * V, V));
  }
  await session.release();
  return err;
}

test('onnxruntime-web (wasm): fp32 equals the reference to 1e-4 with the KV cache', async () => {
  expect(await run('model.onnx')).toBeLessThan(1e-4);
});

test('onnxruntime-web (wasm): fp16, int8 and q4 (MatMulNBits) variants run close to the reference', async () => {
  const scale = Math.max(...golden.logits.map(Math.abs));
  expect((await run('model_fp16.onnx')) / scale).toBeLessThan(0.02);
  expect((await run('model_quantized.onnx')) / scale).toBeLessThan(0.1);
  expect((await run('model_q4.onnx')) / scale).toBeLessThan(0.5);
});
