// Child process of bench/train.mjs: times full training steps (forward + backward over the micro-batches,
// host AdamW, weights copied back) of a preset with tfjs, prints one JSON line.
// usage: node bench/train-step.mjs <preset> <batch> <seq> <steps> [backend=wasm] [vocab=4096] [workers=1]
import { resolveConfig } from '@tinyzh/core';
import { AdamW, DataParallel, LlamaModel, autoMicroBatch, initWeights, selectBackend } from '../dist/index.js';

const [preset, Bs, Ts, Ss, backendName = 'wasm', Vs = '4096', Ws = '1'] = process.argv.slice(2);
const workers = Number(Ws);
const B = Number(Bs), T = Number(Ts), steps = Number(Ss);
const backend = await selectBackend(backendName);
const config = resolveConfig(preset, { vocab_size: Number(Vs) });
const micro = autoMicroBatch(config, B, T, backend, workers);
const model = new LlamaModel(config);
const init = initWeights(config, 1);
const params = model.params.map((p) => init.get(p.name));
model.setWeights(init);
const dp = workers > 1 ? await DataParallel.start(model, backend, Math.min(workers, B / micro)) : undefined;
dp?.setWeights(params);
const opt = new AdamW(params.map((p) => p.length), { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 });
const decay = model.params.map((p) => p.shape.length === 2);
let seed = 1;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
const step = async () => {
  const sum = params.map((p) => new Float32Array(p.length));
  let loss = 0;
  const batches = Array.from({ length: B / micro }, () => Int32Array.from({ length: micro * (T + 1) }, () => Math.floor(rand() * config.vocab_size)));
  if (dp) loss = await dp.step(model, batches, micro, T, sum);
  else {
    for (const tokens of batches) {
      const r = await model.lossAndGrads(tokens, micro, T);
      loss += r.loss;
      r.grads.forEach((g, i) => { const s = sum[i]; for (let j = 0; j < s.length; j++) s[j] += g[j]; });
    }
  }
  opt.update(params, sum, 1e-3, decay, micro / B);
  model.setWeights(new Map(model.params.map((p, i) => [p.name, params[i]])));
  dp?.setWeights(params);
  return loss / (B / micro);
};
await step(); // warm-up (allocations, XNNPACK operator creation)
const t0 = performance.now();
let loss = 0;
for (let i = 0; i < steps; i++) loss = await step();
const secs = (performance.now() - t0) / 1000;
await dp?.close();
console.log(JSON.stringify({
  engine: `tfjs-${backend}`, threads: dp?.size ?? 1, preset, params: model.numParameters(), batch: B, seq: T, micro_batch: micro, steps,
  tokens_per_s: (steps * B * T) / secs, step_s: secs / steps, loss, peak_rss_mb: process.resourceUsage().maxRSS / 1024,
}));
