/** Test helpers: run an exported decoder graph with onnxruntime-node (full pass, KV-cache steps, greedy loop). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { sampleLogits } from '@tinyzh/core';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'export');

export interface Golden {
  reference: string;
  input_ids: number[];
  logits_shape: [number, number];
  logits: number[];
}

export function readGolden(name: string): Golden {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'golden.json'), 'utf8')) as Golden;
}

export interface Dims {
  layers: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
}

export function dimsOf(config: Record<string, number>): Dims {
  return {
    layers: config.num_hidden_layers!,
    kvHeads: config.num_key_value_heads!,
    headDim: config.head_dim ?? config.hidden_size! / config.num_attention_heads!,
    vocab: config.vocab_size!,
  };
}

const i64 = (v: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map((x) => BigInt(x))), dims);

/** Empty past (`past_len = 0`) for `batch` rows. */
export function emptyPast(d: Dims, batch: number): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (let i = 0; i < d.layers; i++) {
    for (const kv of ['key', 'value']) out[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [batch, d.kvHeads, 0, d.headDim]);
  }
  return out;
}

/** Turns `present.*` outputs into the next step's `past_key_values.*` feeds. */
export function presentToPast(d: Dims, out: ort.InferenceSession.OnnxValueMapType): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  for (let i = 0; i < d.layers; i++) {
    for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`] as ort.Tensor;
  }
  return past;
}

/**
 * One decoder call for a batch of rows of equal length (already padded by the caller).
 * @param mask `[batch][past + seq]` 0/1; positions are `cumsum(mask) - 1` (1 where masked), as transformers does.
 */
export async function step(
  session: ort.InferenceSession,
  d: Dims,
  ids: number[][],
  mask: number[][],
  past: Record<string, ort.Tensor>,
): Promise<{ logits: Float32Array; dims: readonly number[]; past: Record<string, ort.Tensor> }> {
  const B = ids.length;
  const S = ids[0]!.length;
  const positions: number[] = [];
  for (const m of mask) {
    let c = 0;
    const pos = m.map((v) => (v ? c++ : -1)).map((p) => (p < 0 ? 1 : p));
    positions.push(...pos.slice(pos.length - S));
  }
  const out = await session.run({
    input_ids: i64(ids.flat(), [B, S]),
    attention_mask: i64(mask.flat(), [B, mask[0]!.length]),
    position_ids: i64(positions, [B, S]),
    ...past,
  });
  const logits = out.logits as ort.Tensor;
  return { logits: logits.data as Float32Array, dims: logits.dims, past: presentToPast(d, out) };
}

/** Index of the largest value in `logits[offset .. offset + n)` (lowest index wins ties). */
export function argmax(logits: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (logits[offset + i]! > logits[offset + best]!) best = i;
  return best;
}

/**
 * Greedy generation of `n` tokens after `prompt` with the KV cache (batch 1); returns only the new tokens.
 * With `repetitionPenalty` ≠ 1, the CTRL penalty of `@tinyzh/core`'s sampler (same as transformers') over the whole
 * sequence is applied before the argmax.
 */
export async function greedy(session: ort.InferenceSession, d: Dims, prompt: number[], n: number, repetitionPenalty = 1): Promise<number[]> {
  const seq = prompt.slice();
  let r = await step(session, d, [prompt], [prompt.map(() => 1)], emptyPast(d, 1));
  const out: number[] = [];
  for (let t = 0; t < n; t++) {
    const S = r.dims[1]!;
    const last = r.logits.subarray((S - 1) * d.vocab, S * d.vocab);
    const next = repetitionPenalty === 1
      ? argmax(r.logits, (S - 1) * d.vocab, d.vocab)
      : sampleLogits(last, { temperature: 0, repetitionPenalty, repetitionPenaltyLastN: seq.length }, t, seq);
    out.push(next);
    seq.push(next);
    if (t + 1 < n) r = await step(session, d, [[next]], [seq.map(() => 1)], r.past);
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[aOff + i]! - b[bOff + i]!));
  return m;
}

export { ort };

/** Runs `f` with console.error silenced (commands print their progress there). */
export async function quiet<T>(f: () => Promise<T>): Promise<T> {
  const err = console.error;
  console.error = () => {};
  try {
    return await f();
  } finally {
    console.error = err;
  }
}
