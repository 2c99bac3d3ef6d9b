import * as tf from '@tensorflow/tfjs-core';
import { linear } from './linear.js';
import { applyRope } from './rope.js';

/** Weights of one attention block, HF `[out, in]` layout. */
export interface AttentionWeights { q: tf.Tensor2D; k: tf.Tensor2D; v: tf.Tensor2D; o: tf.Tensor2D }

/** Static shape facts and tables shared by every layer of one forward pass. */
export interface AttentionContext {
  batch: number;
  seq: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** `[T, 1, headDim]` */
  cos: tf.Tensor3D;
  /** `[T, 1, headDim]` */
  sin: tf.Tensor3D;
  /** additive causal mask `[T, T]`: 0 on and below the diagonal, -1e9 above */
  mask: tf.Tensor2D;
}

/**
 * Causal grouped-query self-attention (Ainslie et al. 2023) with rotary embeddings, as HF `LlamaAttention`:
 * query head `h` reads key/value head `floor(h / (numHeads / numKvHeads))` (`repeat_kv`), scores scaled by
 * `1/sqrt(headDim)`, causal mask, softmax, output projection. No biases.
 *
 * Shapes: `x` `[B·T, hidden]` → `[B·T, hidden]`.
 */
export function attention(x: tf.Tensor2D, w: AttentionWeights, c: AttentionContext): tf.Tensor2D {
  return tf.tidy(() => {
    const { batch: B, seq: T, numHeads: H, numKvHeads: Hkv, headDim: hd } = c;
    const rep = H / Hkv;
    const heads = (y: tf.Tensor2D, n: number, rope: boolean): tf.Tensor3D => {
      let t = tf.reshape(y, [B, T, n, hd]) as tf.Tensor4D;
      if (rope) t = applyRope(t, c.cos, c.sin);
      let u = tf.transpose(t, [0, 2, 1, 3]); // [B, n, T, hd]
      // repeat_kv: kv head j serves query heads j·rep … j·rep + rep − 1 (tile's gradient supports rank ≤ 4)
      if (n !== H) u = tf.reshape(tf.tile(tf.reshape(u, [B * n, 1, T, hd]), [1, rep, 1, 1]), [B, H, T, hd]);
      return tf.reshape(u, [B * H, T, hd]) as tf.Tensor3D;
    };
    const q = heads(tf.mul(linear(x, w.q), 1 / Math.sqrt(hd)) as tf.Tensor2D, H, true);
    const k = heads(linear(x, w.k), Hkv, true);
    const v = heads(linear(x, w.v), Hkv, false);
    const scores = tf.add(tf.matMul(q, tf.transpose(k, [0, 2, 1])), c.mask); // [B·H, T, T]
    const att = tf.softmax(scores, -1);
    const out = tf.matMul(att, v); // [B·H, T, hd]
    const merged = tf.reshape(tf.transpose(tf.reshape(out, [B, H, T, hd]), [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
    return linear(merged, w.o);
  });
}
