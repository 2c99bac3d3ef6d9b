/** AdamW hyper-parameters (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"). */
export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * AdamW on the host, with `torch.optim.AdamW`'s exact update order (float32 state, float64 scalars):
 * ```
 * p ← p · (1 − lr · wd)            (only where decay[i])
 * m ← β1 m + (1 − β1) g ;  v ← β2 v + (1 − β2) g²
 * p ← p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
 * ```
 * Parameters, moments and gradients are Float32Arrays in one fixed order; the caller copies the updated
 * parameters back to the device. Keeping the master copy on the host makes checkpoints exact and lets
 * data-parallel workers share one optimizer.
 */
export class AdamW {
  readonly opts: AdamWOptions;
  readonly m: Float32Array[];
  readonly v: Float32Array[];
  /** number of updates applied so far */
  step = 0;

  /** @param sizes element count of each parameter */
  constructor(sizes: number[], opts: AdamWOptions) {
    this.opts = opts;
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /**
   * One update in place. `grads[i]` is multiplied by `gradScale` first (clipping / averaging).
   * @param decay whether parameter i gets weight decay
   */
  update(params: Float32Array[], grads: Float32Array[], lr: number, decay: boolean[], gradScale = 1): void {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this.opts;
    this.step++;
    const bc1 = 1 - Math.pow(b1, this.step);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, this.step));
    const stepSize = lr / bc1;
    for (let i = 0; i < params.length; i++) {
      const p = params[i]!;
      const g = grads[i]!;
      const m = this.m[i]!;
      const v = this.v[i]!;
      const shrink = decay[i] ? 1 - lr * wd : 1;
      for (let k = 0; k < p.length; k++) {
        const gk = g[k]! * gradScale;
        const mk = (m[k] = b1 * m[k]! + (1 - b1) * gk);
        const vk = (v[k] = b2 * v[k]! + (1 - b2) * gk * gk);
        p[k] = p[k]! * shrink - (stepSize * mk) / (Math.sqrt(vk) / bc2Sqrt + eps);
      }
    }
  }
}
