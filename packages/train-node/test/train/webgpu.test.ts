import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/index.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { makePreparedDir, microConfig } from '../helpers/prepared.js';

// WebGPU through Dawn (`webgpu` npm package). Skipped where no adapter can be created (no GPU driver, no
// Mesa OpenGL ES); on the development machine it runs on Mesa's llvmpipe through Dawn's OpenGL ES backend.
let webgpu: string | undefined;
try {
  webgpu = await selectBackend('webgpu');
} catch {
  webgpu = undefined;
}

it.skipIf(!webgpu)(`training losses on webgpu equal those on wasm (${webgpu ?? 'no adapter'})`, async () => {
  const data = makePreparedDir({ trainTokens: 4000, valTokens: 500 });
  const run = async (backend: string): Promise<number[]> => {
    await selectBackend(backend as 'wasm' | 'webgpu');
    const out = mkdtempSync(join(tmpdir(), `tinyzh-${backend}-`));
    const o: TrainOptions = {
      dataDir: data, outDir: out, config: microConfig(), blockSize: 16, batchSize: 4, microBatchSize: 2, maxSteps: 4,
      lr: 1e-2, minLr: 1e-3, warmup: 1, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, gradClip: 1, decayEmbeddings: false,
      evalEvery: 4, evalTokens: 64, sampleTokens: 0, logEvery: 100, keepLast: 1, seed: 3, resume: false, backend, log: () => {},
    };
    await train(o);
    return readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((r) => r.loss ?? r.val_loss);
  };
  const g = await run('webgpu');
  const w = await run('wasm');
  expect(g).toHaveLength(w.length);
  g.forEach((x, i) => expect(Math.abs(x - w[i]!) / w[i]!).toBeLessThan(1e-4));
});
