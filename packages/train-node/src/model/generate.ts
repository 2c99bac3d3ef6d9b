import * as tf from '@tensorflow/tfjs-core';
import { sampleLogits, type SamplingOptions } from '@tinyzh/core';
import type { LlamaModel } from './llama.js';

/** Options of {@link generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** tokens to generate at most */
  maxNewTokens: number;
  /** stop after this id is produced (it is included in the output) */
  stopId?: number;
}

/**
 * Autoregressive generation without a KV cache (each step re-runs the model on the last
 * `max_position_embeddings` tokens): simple and exact, fast enough for the short samples printed during
 * training. Sampling follows docs/formats.md "Sampling" through `@tinyzh/core`'s `sampleLogits`.
 *
 * @param prompt token ids to continue (at least one)
 * @returns the generated ids (without the prompt)
 */
export async function generate(model: LlamaModel, prompt: ArrayLike<number>, opts: GenerateOptions): Promise<number[]> {
  if (prompt.length === 0) throw new Error('generate: the prompt must hold at least one token');
  const ctxLen = model.config.max_position_embeddings;
  const history = Array.from(prompt);
  const out: number[] = [];
  for (let step = 0; step < opts.maxNewTokens; step++) {
    const window = history.slice(-ctxLen);
    const T = window.length;
    const last = tf.tidy(() => {
      const ids = tf.tensor1d(Int32Array.from(window), 'int32');
      const all = model.forward(ids, 1, T);
      return tf.slice(all, [T - 1, 0], [1, -1]);
    });
    const logits = (await last.data()) as Float32Array;
    last.dispose();
    const id = sampleLogits(logits, opts, step, history);
    history.push(id);
    out.push(id);
    if (opts.stopId !== undefined && id === opts.stopId) break;
  }
  return out;
}
