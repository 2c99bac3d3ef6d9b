import * as tf from '@tensorflow/tfjs-core';
import { linear } from './linear.js';
import { applyRope } from './rope.js';
import { attentionCore } from './attention-core.js';

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
    const heads = (y: tf.Tensor2D, n: number, rope: boolean): tf.Tensor3D => {
      let t = tf.reshape(y, [B, T, n, hd]) as tf.Tensor4D;
      if (rope) t = applyRope(t, c.cos, c.sin);
      return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [B * n, T, hd]) as tf.Tensor3D; // [B·n, T, hd]
    };
    const q = heads(tf.mul(linear(x, w.q), 1 / Math.sqrt(hd)) as tf.Tensor2D, H, true);
    const k = heads(linear(x, w.k), Hkv, true);
    const v = heads(linear(x, w.v), Hkv, false);
    const out = attentionCore(q, k, v, c.mask, H, Hkv); // [B·H, T, hd]
    const merged = tf.reshape(tf.transpose(tf.reshape(out, [B, H, T, hd]), [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
    return linear(merged, w.o);
  });
}
