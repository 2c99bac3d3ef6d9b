import * as tf from '@tensorflow/tfjs-core';

/**
 * Token embedding lookup `E[ids]` with a scatter-add gradient.
 *
 * Shapes: `ids` int32 `[N]`, `table` `[vocab, hidden]` → `[N, hidden]`.
 *
 * tfjs's `gather` gradient uses `UnsortedSegmentSum`, which the wasm backend lacks; `scatterND` sums duplicate
 * indices, which is exactly the gradient of a lookup (shared/notes/tfjs-training-findings.md, item 1).
 */
export function embedding(ids: tf.Tensor1D, table: tf.Tensor2D): tf.Tensor2D {
  const f = tf.customGrad(((t: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const value = tf.gather(t, ids);
    return {
      value,
      gradFunc: (dy: tf.Tensor2D) => {
        const idx = tf.reshape(ids, [-1, 1]);
        const g = tf.scatterND(idx, dy, t.shape);
        idx.dispose();
        return [g];
      },
    };
  }) as any) as any;
  return f(table);
}
