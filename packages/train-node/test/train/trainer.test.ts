import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '@tinyzh/core';
import { selectBackend } from '../../src/backend/index.js';
import { train, type TrainOptions } from '../../src/train/trainer.js';
import { makePreparedDir, microConfig } from '../helpers/prepared.js';

const data = makePreparedDir();

function options(out: string, over: Partial<TrainOptions> = {}): TrainOptions {
  return {
    dataDir: data, outDir: out, config: microConfig(), blockSize: 16, batchSize: 4, microBatchSize: 2, maxSteps: 30,
    lr: 1e-2, minLr: 1e-3, warmup: 5, weightDecay: 0.1, beta1: 0.9, beta2: 0.95, eps: 1e-8, gradClip: 1, decayEmbeddings: false,
    evalEvery: 10, evalTokens: 256, sampleTokens: 8, logEvery: 10, keepLast: 2, seed: 1, resume: false, backend: 'wasm', log: () => {},
    ...over,
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'tinyzh-run-'));

describe('train', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('lowers the loss, logs metrics and writes checkpoints', async () => {
    const out = tmp();
    const lines: string[] = [];
    const r = await train(options(out, { log: (l) => lines.push(l) }));
    expect(r.step).toBe(30);
    const m = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const trainRecs = m.filter((x) => x.type === 'train');
    const evals = m.filter((x) => x.type === 'eval');
    expect(trainRecs).toHaveLength(30);
    expect(evals).toHaveLength(3);
    expect(trainRecs[29].loss).toBeLessThan(trainRecs[0].loss - 0.5);
    expect(evals[2].val_bpc).toBeGreaterThan(0);
    expect(typeof evals[0].sample).toBe('string');
    expect(lines.some((l) => /tok\/s/.test(l) && /ETA/.test(l))).toBe(true);
    const ck = join(out, 'checkpoints');
    const dirs = readdirSync(ck).filter((d) => d.startsWith('step-')).sort();
    expect(dirs).toContain('step-00000030');
    for (const f of ['config.json', 'model.safetensors', 'optimizer.safetensors', 'trainer_state.json', 'tokenizer.json']) {
      expect(existsSync(join(ck, 'step-00000030', f)), f).toBe(true);
    }
    const best = JSON.parse(readFileSync(join(ck, 'best.json'), 'utf8'));
    expect(existsSync(join(ck, best.path))).toBe(true);
    const cfg = JSON.parse(readFileSync(join(ck, 'step-00000030', 'config.json'), 'utf8'));
    expect(cfg.architectures).toEqual(['LlamaForCausalLM']);
    const st = readSafetensors(new Uint8Array(readFileSync(join(ck, 'step-00000030', 'model.safetensors'))));
    expect(st.tensors.get('model.embed_tokens.weight')!.shape).toEqual([64, 32]);
    expect(st.tensors.has('lm_head.weight')).toBe(false);
  });

  it('resumes bit-exactly: N steps + resume + N steps equals 2N steps', async () => {
    const a = tmp();
    await train(options(a, { maxSteps: 12, evalEvery: 6 }));
    const b = tmp();
    await train(options(b, { maxSteps: 12, evalEvery: 6, shouldStop: (() => { let n = 0; return () => ++n >= 6; })() }));
    const r = await train(options(b, { maxSteps: 12, evalEvery: 6, resume: true }));
    expect(r.step).toBe(12);
    const wa = readFileSync(join(a, 'checkpoints', 'step-00000012', 'model.safetensors'));
    const wb = readFileSync(join(b, 'checkpoints', 'step-00000012', 'model.safetensors'));
    expect(Buffer.compare(wa, wb)).toBe(0);
    const oa = readFileSync(join(a, 'checkpoints', 'step-00000012', 'optimizer.safetensors'));
    const ob = readFileSync(join(b, 'checkpoints', 'step-00000012', 'optimizer.safetensors'));
    expect(Buffer.compare(oa, ob)).toBe(0);
  });

  it('starts from another checkpoint with --init (lr 0 keeps its weights exactly)', async () => {
    const a = tmp();
    await train(options(a, { maxSteps: 3, evalEvery: 3 }));
    const src = join(a, 'checkpoints', 'step-00000003');
    const b = tmp();
    const lines: string[] = [];
    await train(options(b, { maxSteps: 1, evalEvery: 1, lr: 0, minLr: 0, warmup: 0, initFrom: src, log: (l) => lines.push(l) }));
    expect(lines.join('\n')).toMatch(/initialized from/);
    const wa = readSafetensors(new Uint8Array(readFileSync(join(src, 'model.safetensors')))).tensors;
    const wb = readSafetensors(new Uint8Array(readFileSync(join(b, 'checkpoints', 'step-00000001', 'model.safetensors')))).tensors;
    for (const [n, t] of wa) expect(Buffer.compare(Buffer.from(t.data), Buffer.from(wb.get(n)!.data)), n).toBe(0);
    await expect(train(options(tmp(), { initFrom: src, config: { ...microConfig(), hidden_size: 64, head_dim: 16 } }))).rejects.toThrow(/--init: the model config differs .* "hidden_size"/);
  });

  it('stops with a clear message when the loss diverges', async () => {
    const out = tmp();
    await expect(train(options(out, { lr: 1e30, minLr: 1e30, warmup: 0, gradClip: 0, maxSteps: 20, evalEvery: 1000 }))).rejects.toThrow(/training diverged at step \d+/);
  });
});
