import { join } from 'node:path';
import { parseLlamaConfig, type LlamaConfig } from '@tinyzh/core';
import { UsageError, UserError } from '../errors.js';
import { generate } from '../model/generate.js';
import { initWeights } from '../model/init.js';
import { LlamaModel } from '../model/llama.js';
import { AdamW } from './adamw.js';
import {
  listStepCheckpoints, loadCheckpoint, pruneCheckpoints, saveCheckpoint, stepDirName, writeBestPointer,
  type TrainerState,
} from './checkpoint.js';
import { readPreparedIndex, TokenShards, type PreparedIndex } from './data-loader.js';
import { clipScale, globalNorm } from './grad-clip.js';
import { learningRate } from './lr-schedule.js';
import { MetricsLog } from './metrics.js';
import { autoMicroBatch } from './micro-batch.js';
import { DataParallel } from './parallel.js';
import { Rng } from './rng.js';
import { checkTokenizerMatch } from './tokenizer-match.js';
import { loadTextCodec, type TextCodec } from './text-codec.js';

/** Everything `tinyzh-train train` can set. Units: tokens, optimizer steps, sequences. */
export interface TrainOptions {
  /** prepared data folder (`tinyzh-train prepare --out`) */
  dataDir: string;
  /** run folder: metrics.jsonl and checkpoints/ */
  outDir: string;
  /** model shape; `vocab_size` must cover the prepared data's vocabulary */
  config: LlamaConfig;
  /** tokens per training row (≤ max_position_embeddings) */
  blockSize: number;
  /** rows per optimizer step */
  batchSize: number;
  /** rows per forward/backward pass; default: the largest divisor of batchSize that fits memory */
  microBatchSize?: number;
  maxSteps: number;
  lr: number;
  minLr: number;
  warmup: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** clip gradients to this global L2 norm (0 = off) */
  gradClip: number;
  /** also decay embedding matrices (norm weights are never decayed) */
  decayEmbeddings: boolean;
  /** evaluate, sample and checkpoint every N steps (and at the end) */
  evalEvery: number;
  /** validation tokens per evaluation (at most) */
  evalTokens: number;
  /** tokens generated per sample at each evaluation (0 = no sample) */
  sampleTokens: number;
  /** print a progress line every N steps */
  logEvery: number;
  /** keep the newest N step checkpoints (plus the best one) */
  keepLast: number;
  /** seed of initialization and data order */
  seed: number;
  /** continue from the newest checkpoint in `outDir/checkpoints` */
  resume: boolean;
  /** start from the weights of this checkpoint folder (fine-tuning; fresh optimizer and data order) */
  initFrom?: string;
  /** name of the selected backend (for the micro-batch budget and the log) */
  backend: string;
  /** threads computing gradients in parallel (data parallelism, one tfjs instance each; default 1) */
  workers?: number;
  /** where progress lines go (default console.log) */
  log?: (line: string) => void;
  /** checked after each step; when it returns true a checkpoint is saved and training stops (signals) */
  shouldStop?: () => boolean;
}

/** What {@link train} did. */
export interface TrainResult {
  step: number;
  tokensSeen: number;
  lastLoss: number;
  bestValLoss: number | null;
  stoppedBy: 'max-steps' | 'signal';
  /** newest checkpoint folder */
  checkpoint: string | undefined;
  /** training tokens per second (excluding evaluation) */
  tokensPerSecond: number;
}

/** Validation metrics of one evaluation. */
export interface EvalResult {
  /** mean next-token cross-entropy, nats */
  loss: number;
  perplexity: number;
  /** bits per character: `loss · tokens / chars / ln 2` with the val split's counts from index.json */
  bitsPerChar: number | null;
  tokens: number;
}

const HPARAM_KEYS = ['blockSize', 'batchSize', 'lr', 'minLr', 'warmup', 'weightDecay', 'beta1', 'beta2', 'eps', 'gradClip', 'decayEmbeddings', 'seed'] as const;

function fmtDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(sec).padStart(2, '0')}s`;
}

function noValidationWindow(blockSize: number): string {
  return `the validation split has fewer than ${blockSize + 1} tokens (block size + 1); run prepare again with a larger --val-fraction (and --force), add stories, or lower --block-size`;
}

/**
 * Evaluate `model` on up to `maxTokens` tokens of the validation split (fixed consecutive windows of
 * `blockSize + 1` tokens from its start), `rows` windows per forward pass.
 */
export async function evaluate(model: LlamaModel, val: TokenShards, index: PreparedIndex, blockSize: number, maxTokens: number, rows: number): Promise<EvalResult> {
  const windows = val.sequentialWindows(blockSize + 1, Math.max(1, Math.floor(maxTokens / blockSize)));
  if (windows.length === 0) throw new UserError(noValidationWindow(blockSize));
  let sum = 0;
  for (let i = 0; i < windows.length; i += rows) {
    const group = windows.slice(i, i + rows);
    const flat = new Int32Array(group.length * (blockSize + 1));
    group.forEach((w, k) => flat.set(w, k * (blockSize + 1)));
    sum += (await model.evalLoss(flat, group.length, blockSize)) * group.length;
  }
  const loss = sum / windows.length;
  const v = index.splits.val;
  return {
    loss,
    perplexity: Math.exp(loss),
    bitsPerChar: v.chars > 0 ? (loss * v.tokens) / v.chars / Math.LN2 : null,
    tokens: windows.length * blockSize,
  };
}

/**
 * Pretrain a Llama model on prepared shards (the loop of nanoGPT's / llama2.c's `train.py`):
 * random windows → micro-batched forward/backward with gradient accumulation → global-norm clipping →
 * AdamW with warm-up + cosine learning rate → periodic evaluation, sample and atomic checkpoint.
 *
 * Deterministic: initialization and data order come from `seed`; `resume` restores weights, AdamW moments,
 * step and the data RNG so the continued run is bit-identical to an uninterrupted one.
 *
 * @throws UserError on bad data/config, or when the loss or gradient norm becomes NaN/Inf (the last good
 *   checkpoint is kept and named in the message)
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const c = o.config;
  if (o.blockSize > c.max_position_embeddings) throw new UserError(`--block-size ${o.blockSize} exceeds the model's max_position_embeddings ${c.max_position_embeddings}`);
  const index = readPreparedIndex(o.dataDir);
  if (index.vocab_size > c.vocab_size) throw new UserError(`the prepared data has vocab_size ${index.vocab_size}, larger than the model's ${c.vocab_size}`);
  const threads = Math.max(1, o.workers ?? 1);
  const micro = o.microBatchSize ?? autoMicroBatch(c, o.batchSize, o.blockSize, o.backend, threads);
  if (o.batchSize % micro !== 0) throw new UsageError(`--batch-size ${o.batchSize} must be a multiple of --micro-batch-size ${micro}`);
  const nMicro = o.batchSize / micro;
  const ckDir = join(o.outDir, 'checkpoints');
  const tokenizerPath = join(o.dataDir, index.tokenizer.file);

  const existing = listStepCheckpoints(ckDir).at(-1);
  if (!o.resume && existing) {
    throw new UsageError(
      `${o.outDir} already holds a run (checkpoint ${existing.path}): add --resume to continue it, or give another --out (a second run there would mix its checkpoints, best.json and metrics.jsonl with the first)`,
    );
  }
  const trainData = new TokenShards(o.dataDir, index, 'train');
  const valData = new TokenShards(o.dataDir, index, 'val');
  // Checked now rather than at the first evaluation, so a run never trains and then fails.
  if (valData.sequentialWindows(o.blockSize + 1, 1).length === 0) {
    trainData.close();
    valData.close();
    throw new UserError(noValidationWindow(o.blockSize));
  }
  const model = new LlamaModel(c);
  const sizes = model.params.map((p) => p.shape.reduce((a, b) => a * b, 1));
  const opt = new AdamW(sizes, { beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay });
  const dataRng = new Rng((o.seed ^ 0x5eed1234) >>> 0);
  const decay = model.params.map((p) => p.shape.length === 2 && (o.decayEmbeddings || !/embed_tokens/.test(p.name)));
  let params: Float32Array[];
  let step = 0;
  let tokensSeen = 0;
  let best: { loss: number; step: number } | null = null;
  let trainSeconds = 0;
  let lastCheckpoint: string | undefined;
  const hparams: Record<string, unknown> = Object.fromEntries(HPARAM_KEYS.map((k) => [k, o[k]]));

  const last = o.resume ? listStepCheckpoints(ckDir).at(-1) : undefined;
  if (o.resume && !last) throw new UserError(`--resume: no checkpoint in ${ckDir}`);
  if (last) checkTokenizerMatch('--resume', last.path, o.dataDir, index, c.vocab_size);
  else if (o.initFrom) checkTokenizerMatch('--init', o.initFrom, o.dataDir, index, c.vocab_size);
  trainData.vocabLimit = c.vocab_size;
  valData.vocabLimit = c.vocab_size;
  if (last) {
    const ck = await loadCheckpoint(last.path, parseLlamaConfig);
    if (!ck.state || !ck.expAvg || !ck.expAvgSq) throw new UserError(`${last.path}: not a training checkpoint (trainer_state.json or optimizer.safetensors missing)`);
    for (const k of Object.keys(c) as (keyof LlamaConfig)[]) {
      if (c[k] !== undefined && ck.config[k] !== c[k]) throw new UserError(`--resume: the model config differs from ${join(last.path, 'config.json')} in "${k}" (${String(ck.config[k])} there, ${String(c[k])} now)`);
    }
    for (const k of HPARAM_KEYS) {
      if (ck.state.hparams[k] !== undefined && ck.state.hparams[k] !== o[k]) log(`warning: ${k} was ${String(ck.state.hparams[k])} in the checkpoint, now ${String(o[k])}; the run will not match an uninterrupted one`);
    }
    params = model.params.map((p) => {
      const w = ck.weights.get(p.name);
      if (!w) throw new UserError(`${last.path}/model.safetensors lacks ${p.name}`);
      opt.m[model.params.indexOf(p)]!.set(ck.expAvg!.get(p.name) ?? fail(p.name));
      opt.v[model.params.indexOf(p)]!.set(ck.expAvgSq!.get(p.name) ?? fail(p.name));
      return Float32Array.from(w);
    });
    opt.step = ck.state.step;
    step = ck.state.step;
    tokensSeen = ck.state.tokens_seen;
    dataRng.setState(ck.state.data_rng);
    best = ck.state.best_val_loss !== null && ck.state.best_step !== null ? { loss: ck.state.best_val_loss, step: ck.state.best_step } : null;
    trainSeconds = ck.state.train_seconds;
    lastCheckpoint = last.path;
    if (step >= o.maxSteps) {
      throw new UsageError(`--resume: ${last.path} is at step ${step}, already at or past --max-steps ${o.maxSteps} (--max-steps is not restored from the checkpoint: give the run's total, e.g. --max-steps ${Math.max(step * 2, step + 1)})`);
    }
    log(`resumed from ${last.path} at step ${step}`);
  } else if (o.initFrom) {
    const ck = await loadCheckpoint(o.initFrom, parseLlamaConfig);
    for (const k of Object.keys(c) as (keyof LlamaConfig)[]) {
      if (c[k] !== undefined && ck.config[k] !== c[k]) throw new UserError(`--init: the model config differs from ${join(o.initFrom, 'config.json')} in "${k}" (${String(ck.config[k])} there, ${String(c[k])} now)`);
    }
    params = model.params.map((p) => {
      const w = ck.weights.get(p.name);
      if (!w) throw new UserError(`${o.initFrom}/model.safetensors lacks ${p.name}`);
      return Float32Array.from(w);
    });
    log(`initialized from ${o.initFrom}`);
  } else {
    const init = initWeights(c, o.seed);
    params = model.params.map((p) => init.get(p.name)!);
  }
  function fail(name: string): never {
    throw new UserError(`${last!.path}/optimizer.safetensors lacks the moments of ${name}`);
  }
  model.setWeights(new Map(model.params.map((p, i) => [p.name, params[i]!])));

  const metrics = new MetricsLog(join(o.outDir, 'metrics.jsonl'));
  let codec: TextCodec | undefined;
  if (o.sampleTokens > 0) codec = await loadTextCodec(tokenizerPath).catch(() => undefined);
  log(
    `model: ${model.numParameters().toLocaleString('en-US')} parameters (${c.num_hidden_layers} layers, width ${c.hidden_size}, ` +
      `${c.num_attention_heads}/${c.num_key_value_heads} heads, vocab ${c.vocab_size}) | backend ${o.backend} | ` +
      `batch ${o.batchSize} × ${o.blockSize} tokens = ${nMicro} × ${micro} rows | ${threads > 1 ? `${Math.min(threads, nMicro)} threads | ` : ''}${o.maxSteps} steps`,
  );
  const dp = threads > 1 && nMicro > 1 ? await DataParallel.start(model, o.backend, Math.min(threads, nMicro)) : undefined;
  dp?.setWeights(params);

  const checkpoint = async (val: EvalResult | undefined): Promise<void> => {
    const state: TrainerState = {
      format: 'tinyzh-trainer-state', version: 1, step, tokens_seen: tokensSeen, data_rng: dataRng.getState(),
      best_val_loss: best?.loss ?? null, best_step: best?.step ?? null, train_seconds: trainSeconds, hparams,
    };
    const name = stepDirName(step);
    const shapes = new Map(model.params.map((p) => [p.name, p.shape]));
    lastCheckpoint = await saveCheckpoint(ckDir, name, {
      config: c,
      weights: new Map(model.params.map((p, i) => [p.name, params[i]!])),
      expAvg: new Map(model.params.map((p, i) => [p.name, opt.m[i]!])),
      expAvgSq: new Map(model.params.map((p, i) => [p.name, opt.v[i]!])),
      state,
    }, shapes, tokenizerPath);
    if (val && best && best.step === step) await writeBestPointer(ckDir, { step, path: name, val_loss: val.loss });
    await pruneCheckpoints(ckDir, o.keepLast);
  };

  const evalAndSample = async (): Promise<EvalResult> => {
    const t0 = performance.now();
    const r = await evaluate(model, valData, index, o.blockSize, o.evalTokens, micro);
    if (!best || r.loss < best.loss) best = { loss: r.loss, step };
    let sample: string | undefined;
    if (codec && o.sampleTokens > 0) {
      const ids = await generate(model, [index.eos_id], { maxNewTokens: o.sampleTokens, temperature: 0.8, topK: 40, seed: o.seed, stopId: index.eos_id });
      sample = codec.decode(ids);
    }
    const secs = (performance.now() - t0) / 1000;
    log(`eval step ${step}: val loss ${r.loss.toFixed(4)} | ppl ${r.perplexity.toFixed(2)} | bpc ${r.bitsPerChar?.toFixed(4) ?? 'n/a'} | ${secs.toFixed(1)} s`);
    if (sample !== undefined) log(`sample: ${sample.replace(/\n/g, ' ')}`);
    metrics.write({ type: 'eval', step, tokens: tokensSeen, val_loss: r.loss, val_ppl: r.perplexity, val_bpc: r.bitsPerChar, val_tokens: r.tokens, sample });
    return r;
  };

  let stoppedBy: TrainResult['stoppedBy'] = 'max-steps';
  let lastLoss = NaN;
  let windowStart = performance.now();
  let windowTokens = 0;
  const sumGrads = sizes.map((n) => new Float32Array(n));
  const rows = o.blockSize + 1;
  try {
    while (step < o.maxSteps) {
      const t0 = performance.now();
      const lr = learningRate(step, { lr: o.lr, minLr: o.minLr, warmup: o.warmup, totalSteps: o.maxSteps });
      for (const g of sumGrads) g.fill(0);
      let lossSum = 0;
      if (dp) {
        const batches = Array.from({ length: nMicro }, () => trainData.randomWindows(dataRng, micro, rows));
        lossSum = await dp.step(model, batches, micro, o.blockSize, sumGrads);
      } else {
        for (let k = 0; k < nMicro; k++) {
          const tokens = trainData.randomWindows(dataRng, micro, rows);
          const { loss, grads } = await model.lossAndGrads(tokens, micro, o.blockSize);
          lossSum += loss;
          for (let i = 0; i < grads.length; i++) {
            const s = sumGrads[i]!;
            const g = grads[i]!;
            for (let j = 0; j < s.length; j++) s[j]! += g[j]!;
          }
        }
      }
      const loss = lossSum / nMicro;
      const norm = globalNorm(sumGrads) / nMicro;
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
        throw new UserError(
          `training diverged at step ${step + 1}: loss ${loss}, gradient norm ${norm} (lr ${lr.toExponential(2)}). ` +
            (lastCheckpoint ? `The last good checkpoint is ${lastCheckpoint}; ` : 'No checkpoint was written yet; ') +
            'lower --lr or raise --warmup and resume/restart.',
        );
      }
      opt.update(params, sumGrads, lr, decay, clipScale(norm, o.gradClip) / nMicro);
      model.setWeights(new Map(model.params.map((p, i) => [p.name, params[i]!])));
      dp?.setWeights(params);
      step++;
      tokensSeen += o.batchSize * o.blockSize;
      windowTokens += o.batchSize * o.blockSize;
      trainSeconds += (performance.now() - t0) / 1000;
      lastLoss = loss;
      metrics.write({ type: 'train', step, tokens: tokensSeen, loss, lr, grad_norm: norm, step_seconds: (performance.now() - t0) / 1000 });
      if (step % o.logEvery === 0 || step === o.maxSteps) {
        const secs = (performance.now() - windowStart) / 1000;
        const tps = windowTokens / secs;
        const eta = ((o.maxSteps - step) * o.batchSize * o.blockSize) / tps;
        const pct = ((100 * step) / o.maxSteps).toFixed(1);
        log(`step ${step}/${o.maxSteps} (${pct}%) | loss ${loss.toFixed(4)} | lr ${lr.toExponential(2)} | grad norm ${norm.toFixed(3)} | ${Math.round(tps)} tok/s | ETA ${fmtDuration(eta)}`);
        windowStart = performance.now();
        windowTokens = 0;
      }
      if (step % o.evalEvery === 0 || step === o.maxSteps) {
        const r = await evalAndSample();
        await checkpoint(r);
        windowStart = performance.now();
        windowTokens = 0;
      }
      await new Promise((r) => setImmediate(r)); // let SIGINT/SIGTERM handlers run
      if (o.shouldStop?.()) {
        stoppedBy = 'signal';
        if (step % o.evalEvery !== 0) await checkpoint(undefined);
        log(`stopped at step ${step}; checkpoint ${lastCheckpoint}`);
        break;
      }
    }
  } finally {
    await dp?.close();
    trainData.close();
    valData.close();
    model.dispose();
  }
  return { step, tokensSeen, lastLoss, bestValLoss: best?.loss ?? null, stoppedBy, checkpoint: lastCheckpoint, tokensPerSecond: tokensSeen / Math.max(1e-9, trainSeconds) };
}
