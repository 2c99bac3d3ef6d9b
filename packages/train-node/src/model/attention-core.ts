import * as tf from '@tensorflow/tfjs-core';

/**
 * Scaled-dot-product causal attention core, `O = softmax(Q·Kᵀ + M)·V`, per head, with grouped-query
 * sharing: query head `b·H + h` reads key/value head `b·Hkv + floor(h / (H / Hkv))` (HF `repeat_kv`), so the
 * key/value heads are never materialized `H / Hkv` times.
 *
 * Shapes: `q` `[B·H, T, d]` (already scaled by `1/sqrt(d)`), `k`, `v` `[B·Hkv, T, d]`, `mask` `[T, T]` additive
 * → `[B·H, T, d]`.
 *
 * Why a custom op: on the wasm backend only rank-2, non-transposed matmuls reach XNNPACK; batched `[B·H, T, ·]`
 * matmuls run a naive loop at ~1 GFLOP/s (shared/notes/tfjs-training-findings.md, item 4). Here every product is a
 * rank-2 `matMul` per head with explicit transposes, in the forward pass and in the hand-written backward pass:
 * ```
 * P = softmax(S),  S = Q Kᵀ + M
 * dV = Pᵀ dO ;  dP = dO Vᵀ ;  dS = P ⊙ (dP − rowsum(dP ⊙ P)) ;  dQ = dS K ;  dK = dSᵀ Q
 * ```
 * (dK and dV of a shared key/value head sum over the query heads that read it).
 */
export function attentionCore(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, mask: tf.Tensor2D, numHeads: number, numKvHeads: number): tf.Tensor3D {
  const rep = numHeads / numKvHeads;
  const kvOf = (i: number) => Math.floor(i / numHeads) * numKvHeads + Math.floor((i % numHeads) / rep);
  const f = tf.customGrad(((qi: tf.Tensor3D, ki: tf.Tensor3D, vi: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const [BH] = qi.shape;
    const probs = tf.tidy(() => {
      const qs = tf.unstack(qi) as tf.Tensor2D[];
      const kts = tf.unstack(tf.transpose(ki, [0, 2, 1])) as tf.Tensor2D[];
      const scores = tf.stack(qs.map((qh, i) => tf.matMul(qh, kts[kvOf(i)]!)));
      return tf.softmax(tf.add(scores, mask)) as tf.Tensor3D;
    });
    const out = tf.tidy(() => {
      const ps = tf.unstack(probs) as tf.Tensor2D[];
      const vs = tf.unstack(vi) as tf.Tensor2D[];
      return tf.stack(ps.map((p, i) => tf.matMul(p, vs[kvOf(i)]!))) as tf.Tensor3D;
    });
    save([qi, ki, vi, probs]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [qs3, ks3, vs3, p3] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        return tf.tidy(() => {
          const dys = tf.unstack(dy) as tf.Tensor2D[];
          const ps = tf.unstack(p3) as tf.Tensor2D[];
          const pts = tf.unstack(tf.transpose(p3, [0, 2, 1])) as tf.Tensor2D[];
          const vts = tf.unstack(tf.transpose(vs3, [0, 2, 1])) as tf.Tensor2D[];
          const qs = tf.unstack(qs3) as tf.Tensor2D[];
          const ks = tf.unstack(ks3) as tf.Tensor2D[];
          // dP per head, then dS for all heads at once
          const dP = tf.stack(dys.map((d, i) => tf.matMul(d, vts[kvOf(i)]!)));
          const dS = tf.mul(p3, tf.sub(dP, tf.sum(tf.mul(dP, p3), -1, true))) as tf.Tensor3D;
          const dSs = tf.unstack(dS) as tf.Tensor2D[];
          const dSts = tf.unstack(tf.transpose(dS, [0, 2, 1])) as tf.Tensor2D[];
          const dq = tf.stack(dSs.map((s, i) => tf.matMul(s, ks[kvOf(i)]!)));
          const nKv = ks.length;
          const dkParts: tf.Tensor2D[][] = Array.from({ length: nKv }, () => []);
          const dvParts: tf.Tensor2D[][] = Array.from({ length: nKv }, () => []);
          for (let i = 0; i < BH; i++) {
            dkParts[kvOf(i)]!.push(tf.matMul(dSts[i]!, qs[i]!));
            dvParts[kvOf(i)]!.push(tf.matMul(pts[i]!, dys[i]!));
          }
          const sum = (xs: tf.Tensor2D[]) => (xs.length === 1 ? xs[0]! : tf.addN(xs));
          const dk = tf.stack(dkParts.map(sum));
          const dv = tf.stack(dvParts.map(sum));
          void ps;
          return [dq, dk, dv];
        });
      },
    };
  }) as any) as any;
  return f(q, k, v);
}
