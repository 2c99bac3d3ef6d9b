/**
 * Global L2 norm of a list of gradients, accumulated in float64 on the host (an on-device float32 norm over
 * 0.5M elements was off by ~4e-4 on wasm; see shared/notes/tfjs-training-findings.md).
 */
export function globalNorm(grads: Float32Array[]): number {
  let s = 0;
  for (const g of grads) for (let k = 0; k < g.length; k++) s += g[k]! * g[k]!;
  return Math.sqrt(s);
}

/**
 * The factor that clips gradients to `maxNorm` by global norm (`torch.nn.utils.clip_grad_norm_`):
 * `min(1, maxNorm / (norm + 1e-6))`; 1 when `maxNorm <= 0` (clipping off).
 */
export function clipScale(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}
