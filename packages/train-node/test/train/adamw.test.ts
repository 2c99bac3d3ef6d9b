import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { AdamW } from '../../src/train/adamw.js';

// test/fixtures/model/adamw.json comes from torch.optim.AdamW (scripts/make-model-fixtures.py).
it('matches torch.optim.AdamW step by step (decoupled decay on one parameter, none on the other)', () => {
  const f = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'model', 'adamw.json'), 'utf8'));
  const params = (f.init as number[][]).map((p) => Float32Array.from(p));
  const opt = new AdamW(params.map((p) => p.length), { beta1: f.betas[0], beta2: f.betas[1], eps: f.eps, weightDecay: f.weight_decay[0] });
  for (const s of f.steps) {
    opt.update(params, (s.grads as number[][]).map((g) => Float32Array.from(g)), s.lr, [true, false]);
    params.forEach((p, i) => {
      const ref = s.params[i] as number[];
      for (let k = 0; k < p.length; k++) expect(Math.abs(p[k]! - ref[k]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(ref[k]!)));
    });
  }
});
