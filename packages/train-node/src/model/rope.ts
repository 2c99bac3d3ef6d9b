import * as tf from '@tensorflow/tfjs-core';

/**
 * Rotary position embedding tables (Su et al. 2021, "RoFormer"), in Hugging Face Llama's rotate-half layout:
 * `inv_freq[i] = theta^(-2i/d)` for `i < d/2`, `angle[p, j] = p · inv_freq[j mod d/2]`.
 *
 * Returns `cos` and `sin`, each `[seqLen, headDim]` float32 (computed in float64, then rounded).
 */
export function ropeTables(seqLen: number, headDim: number, theta: number): { cos: Float32Array; sin: Float32Array } {
  const half = headDim / 2;
  const cos = new Float32Array(seqLen * headDim);
  const sin = new Float32Array(seqLen * headDim);
  for (let i = 0; i < half; i++) {
    // HF computes inv_freq in float32: 1 / theta ** (arange(0, d, 2) / d)
    const invFreq = Math.fround(1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / headDim))));
    for (let p = 0; p < seqLen; p++) {
      const a = Math.fround(p * invFreq);
      const c = Math.cos(a);
      const s = Math.sin(a);
      cos[p * headDim + i] = c;
      cos[p * headDim + i + half] = c;
      sin[p * headDim + i] = s;
      sin[p * headDim + i + half] = s;
    }
  }
  return { cos, sin };
}

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
