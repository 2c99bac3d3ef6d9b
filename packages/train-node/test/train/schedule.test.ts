import { describe, expect, it } from 'vitest';
import { clipScale, globalNorm } from '../../src/train/grad-clip.js';
import { learningRate } from '../../src/train/lr-schedule.js';
import { activationBytes, autoMicroBatch } from '../../src/train/micro-batch.js';
import { PRESETS, resolveConfig } from '@tinyzh/core';

describe('learningRate', () => {
  const s = { lr: 1e-3, minLr: 1e-4, warmup: 10, totalSteps: 110 };
  it('warms up linearly, then decays by cosine to minLr', () => {
    expect(learningRate(0, s)).toBeCloseTo(1e-4, 12);
    expect(learningRate(9, s)).toBeCloseTo(1e-3, 12);
    expect(learningRate(10, s)).toBeCloseTo(1e-3, 12);
    expect(learningRate(60, s)).toBeCloseTo((1e-3 + 1e-4) / 2, 12);
    expect(learningRate(110, s)).toBe(1e-4);
    expect(learningRate(500, s)).toBe(1e-4);
  });
});

describe('gradient clipping', () => {
  it('computes the global norm in float64 and clips to maxNorm', () => {
    expect(globalNorm([Float32Array.of(3), Float32Array.of(0, 4)])).toBe(5);
    expect(clipScale(5, 1)).toBeCloseTo(0.2, 6);
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(5, 0)).toBe(1);
  });
});

describe('autoMicroBatch', () => {
  it('splits batches that would not fit the wasm heap and keeps small ones whole', () => {
    const tiny = resolveConfig('tiny', { vocab_size: 4096 });
    const small = resolveConfig('small', { vocab_size: 4096 });
    expect(autoMicroBatch(tiny, 8, 256, 'wasm')).toBe(8);
    const m = autoMicroBatch(small, 16, 256, 'wasm');
    expect(m).toBeLessThan(16);
    expect(16 % m).toBe(0);
    expect(activationBytes(small, m, 256)).toBeLessThanOrEqual(1.2e9);
    expect(autoMicroBatch(resolveConfig('seed-44m', { vocab_size: 32000 }), 64, 512, 'wasm')).toBeGreaterThanOrEqual(1);
    void PRESETS;
  });
});
