import * as tf from '@tensorflow/tfjs-core';

/**
 * A bias-free linear layer `y = x · Wᵀ` with PyTorch's `[out, in]` weight layout (`torch.nn.Linear`).
 *
 * Shapes: `x` `[N, in]`, `w` `[out, in]` → `[N, out]`. Activations must be flattened to 2-D first.
 *
 * The gradient is written with explicit transposes so that every product is a rank-2, non-transposed
 * `BatchMatMul`, the only form that reaches XNNPACK on the wasm backend (tfjs's default matMul gradient uses
 * `transposeA/B` and falls to a naive loop there; see shared/notes/tfjs-training-findings.md, item 4):
 * `dx = dy · W`, `dW = dyᵀ · x`. (The alternative `dW = (xᵀ · dy)ᵀ` transposes less for the LM head, but
 * XNNPACK re-packs the right-hand operand on every call and packing `dy` `[N, vocab]` costs more than transposing
 * it: measured 0.96 s versus 0.37 s for N = 2048, vocab 4096.)
 */
export const linear: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D = tf.customGrad(
  ((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const wt = tf.transpose(w);
    const y = tf.matMul(x, wt);
    wt.dispose();
    save([x, w]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        const dx = tf.matMul(dy, ws);
        const dw = tf.tidy(() => tf.matMul(tf.transpose(dy), xs));
        return [dx, dw];
      },
    };
  }) as any,
) as any;
