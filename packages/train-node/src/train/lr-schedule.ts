/** Learning-rate schedule settings. */
export interface LrSchedule {
  /** peak learning rate */
  lr: number;
  /** final learning rate, reached at `totalSteps` */
  minLr: number;
  /** steps of linear warm-up from ~0 to `lr` */
  warmup: number;
  /** optimizer steps in the run */
  totalSteps: number;
}

/**
 * Linear warm-up then cosine decay to `minLr` (Loshchilov & Hutter 2017, "SGDR"; nanoGPT's `get_lr`):
 * step `s` (0-based) gets `lr·(s+1)/warmup` while `s < warmup`, then
 * `minLr + ½(1 + cos(π·r))(lr − minLr)` with `r = (s − warmup)/(totalSteps − warmup)`, and `minLr` past the end.
 */
export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmup) return (s.lr * (step + 1)) / s.warmup;
  if (step >= s.totalSteps) return s.minLr;
  const span = Math.max(1, s.totalSteps - s.warmup);
  const r = (step - s.warmup) / span;
  return s.minLr + 0.5 * (1 + Math.cos(Math.PI * r)) * (s.lr - s.minLr);
}
