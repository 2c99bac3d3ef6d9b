import * as tf from '@tensorflow/tfjs-core';
import { linear } from './linear.js';

/** Weights of one SwiGLU MLP, HF `[out, in]` layout. */
export interface MlpWeights { gate: tf.Tensor2D; up: tf.Tensor2D; down: tf.Tensor2D }

/**
 * SwiGLU feed-forward (Shazeer 2020, "GLU Variants Improve Transformer"), HF `LlamaMLP`:
 * `down(silu(gate(x)) ⊙ up(x))`, `silu(z) = z · sigmoid(z)`.
 *
 * Shapes: `x` `[N, hidden]` → `[N, hidden]`.
 */
export function swiGluMlp(x: tf.Tensor2D, w: MlpWeights): tf.Tensor2D {
  return tf.tidy(() => {
    const g = linear(x, w.gate);
    const act = tf.mul(g, tf.sigmoid(g));
    return linear(tf.mul(act, linear(x, w.up)) as tf.Tensor2D, w.down);
  });
}
