import type { LlamaConfig } from '@tinyzh/core';
import { llamaTensorSpecs } from '@tinyzh/core';
import { Rng } from '../train/rng.js';

/**
 * Deterministic initial weights: RMSNorm weights 1; every matrix N(0, std²) with `std = 0.02`
 * (HF `initializer_range`), except the residual output projections (`o_proj`, `down_proj`), which use
 * `0.02 / sqrt(2 · num_hidden_layers)` (GPT-2 / llama2.c `train.py`). Values are drawn in parameter order
 * from {@link Rng}`(seed)`, so the same seed gives the same model on every backend.
 */
export function initWeights(config: LlamaConfig, seed: number, std = 0.02): Map<string, Float32Array> {
  const rng = new Rng(seed);
  const out = new Map<string, Float32Array>();
  const residualStd = std / Math.sqrt(2 * config.num_hidden_layers);
  for (const s of llamaTensorSpecs(config)) {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    if (s.shape.length === 1) a.fill(1);
    else {
      const sd = /o_proj|down_proj/.test(s.name) ? residualStd : std;
      for (let i = 0; i < n; i++) a[i] = rng.normal() * sd;
    }
    out.set(s.name, a);
  }
  return out;
}
