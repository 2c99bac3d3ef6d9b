import * as tf from '@tensorflow/tfjs-core';

/**
 * Root-mean-square layer norm (Zhang & Sennrich 2019), as in Hugging Face `LlamaRMSNorm`:
 * `y = w ⊙ x / sqrt(mean(x², -1) + eps)`.
 *
 * Shapes: `x` `[N, hidden]`, `w` `[hidden]` → `[N, hidden]`.
 */
export function rmsNorm(x: tf.Tensor2D, w: tf.Tensor1D, eps: number): tf.Tensor2D {
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), w) as tf.Tensor2D;
  });
}
