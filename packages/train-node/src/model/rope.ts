import * as tf from '@tensorflow/tfjs-core';

/** RoPE tables (`cos`, `sin`, each `[seqLen, headDim]`): one implementation, in `@tinyzh/core`. */
export { ropeTables } from '@tinyzh/core';

/**
 * Apply RoPE: `x · cos + rotate_half(x) · sin`, `rotate_half([x1, x2]) = [-x2, x1]` (HF `apply_rotary_pos_emb`).
 *
 * Shapes: `x` `[B, T, H, headDim]`; `cos`, `sin` `[T, 1, headDim]` → `[B, T, H, headDim]`.
 */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor3D, sin: tf.Tensor3D): tf.Tensor4D {
  return tf.tidy(() => {
    const d = x.shape[3];
    const half = d / 2;
    const [x1, x2] = tf.split(x, [half, half], 3);
    const rot = tf.concat([tf.neg(x2!), x1!], 3);
    return tf.add(tf.mul(x, cos), tf.mul(rot, sin)) as tf.Tensor4D;
  });
}
