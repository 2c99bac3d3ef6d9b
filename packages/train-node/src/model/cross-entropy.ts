import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean softmax cross-entropy in nats with a fused gradient `(softmax(z) − onehot(t)) / N`
 * (what `torch.nn.functional.cross_entropy` computes; no ignored index).
 *
 * Shapes: `logits` `[N, vocab]`, `targets` int32 `[N]` → scalar.
 * Only the softmax probabilities are kept for the backward pass (tfjs's composite version keeps every intermediate).
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const f = tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const [n, v] = z.shape;
    // log-sum-exp with the max subtracted; the probabilities are kept for the backward pass (one Exp, not two)
    const [lse, probs] = tf.tidy(() => {
      const m = tf.max(z, -1, true);
      const e = tf.exp(tf.sub(z, m));
      const s = tf.sum(e, -1, true);
      return [tf.add(tf.log(s), m), tf.div(e, s)] as [tf.Tensor2D, tf.Tensor2D];
    });
    const value = tf.tidy(() => {
      const picked = tf.sum(tf.mul(z, tf.oneHot(targets, v)), -1, true);
      return tf.mean(tf.sub(lse, picked));
    });
    lse.dispose();
    save([probs]);
    return {
      value,
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
        const [p] = saved as [tf.Tensor2D];
        return [tf.tidy(() => tf.mul(tf.sub(p, tf.oneHot(targets, v)), tf.div(dy, n)))];
      },
    };
  }) as any) as any;
  return f(logits);
}
