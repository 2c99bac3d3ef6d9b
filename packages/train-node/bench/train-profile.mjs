// Per-kernel time of one training step (forward + backward) of a preset on a backend, to stderr/stdout.
// usage: node bench/train-profile.mjs [preset=tiny] [backend=wasm] [batch=8] [seq=256] [vocab=4096]
import * as tf from '@tensorflow/tfjs-core';
import { resolveConfig } from '@tinyzh/core';
import { LlamaModel, initWeights, selectBackend } from '../dist/index.js';

const [preset = 'tiny', backend = 'wasm', Bs = '8', Ts = '256', Vs = '4096'] = process.argv.slice(2);
const B = Number(Bs), T = Number(Ts);
await selectBackend(backend);
const config = resolveConfig(preset, { vocab_size: Number(Vs) });
const model = new LlamaModel(config);
model.setWeights(initWeights(config, 1));
const tokens = new Int32Array(B * (T + 1)).map((_, i) => (i * 7919) % config.vocab_size);
await model.lossAndGrads(tokens, B, T); // warm-up
let t0 = performance.now();
await model.lossAndGrads(tokens, B, T);
const stepMs = performance.now() - t0;
const prof = await tf.profile(async () => { await model.lossAndGrads(tokens, B, T); });
const by = new Map();
for (const k of prof.kernels) {
  const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`;
  const e = by.get(key) ?? { ms: 0, n: 0 };
  e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  e.n++;
  by.set(key, e);
}
const byName = new Map();
for (const k of prof.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
const total = [...byName.values()].reduce((a, b) => a + b, 0);
console.log(`step ${stepMs.toFixed(0)} ms (${Math.round((B * T) / (stepMs / 1000))} tok/s); kernel sum ${total.toFixed(0)} ms`);
for (const [n, ms] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`${n.padEnd(20)} ${ms.toFixed(1).padStart(8)} ms ${(100 * ms / total).toFixed(1)}%`);
console.log('--- top kernel+shape');
for (const [n, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, 15)) console.log(`${e.ms.toFixed(1).padStart(8)} ms x${e.n} ${n}`);
