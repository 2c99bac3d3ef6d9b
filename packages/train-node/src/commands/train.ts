import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPresetName, PRESETS, resolveConfig, TinyzhError, type LlamaConfig } from '@tinyzh/core';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backend/index.js';
import { UserError } from '../errors.js';
import { listStepCheckpoints, loadCheckpoint } from '../train/checkpoint.js';
import { resolveCheckpoint } from '../train/resolve-checkpoint.js';
import { checkTokenizerMatch } from '../train/tokenizer-match.js';
import { readPreparedIndex } from '../train/data-loader.js';
import { parseLlamaConfig } from '@tinyzh/core';
import { num, parseFlags, UsageError, withUsageExit } from './args.js';
import { isMainThread } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { WORKER_FLAG, workerMain } from '../train/parallel.js';

const HELP = `usage: tinyzh-train train --data <prepared dir> --out <run dir> [options]

Pretrain a Llama model on shards written by 'tinyzh-train prepare'.

model
  --preset NAME            ${Object.keys(PRESETS).join(' | ')} (default tiny); vocab_size comes from the data
  --config FILE            a JSON config (HF LlamaConfig names) instead of a preset
  --block-size T           tokens per row (default: the model's max_position_embeddings)
length and batch
  --max-steps N            optimizer steps (default 1000), or
  --max-tokens N           training tokens (steps = ceil(N / (batch-size × block-size)))
  --batch-size B           rows per optimizer step (default 16)
  --micro-batch-size b     rows per forward/backward (default: largest divisor of B that fits memory)
optimizer (AdamW, warm-up + cosine)
  --lr X (1e-3)  --min-lr X (lr/10)  --warmup N (min(100, steps/10))  --weight-decay X (0.1)
  --beta1 X (0.9)  --beta2 X (0.95)  --grad-clip X (1.0, 0 = off)  --decay-embeddings
evaluation and checkpoints
  --eval-every N (200)  --eval-tokens N (16384)  --sample-tokens N (64)  --log-every N (10)  --keep N (3)
run
  --backend ${BACKEND_NAMES.join('|')} (auto)   --seed N (1337)
  --resume                 continue the newest checkpoint in --out; the hyper-parameters not given on the command
                           line (block/batch size, lr, min-lr, warmup, weight decay, betas, grad clip, seed) come from
                           its trainer_state.json; the data must be tokenized with the checkpoint's tokenizer
  --init DIR               start from a checkpoint's weights (a run folder, step folder or import-hf output):
                           fine-tuning with a fresh optimizer; the model shape comes from that checkpoint, and
                           --data must be prepared with its tokenizer (prepare --tokenizer DIR/tokenizer.json)
  --workers N              threads computing gradients in parallel, one tfjs instance each (default: the
                           number of CPU cores, up to 8, on wasm/cpu; 1 otherwise)

Writes RUN/metrics.jsonl and RUN/checkpoints/step-NNNNNNNN/ (config.json, model.safetensors, tokenizer.json,
optimizer.safetensors, trainer_state.json), RUN/checkpoints/best.json. A RUN that already holds checkpoints is
refused without --resume. Ctrl-C (or a closed stdout) saves a checkpoint, then exits.`;

/** The `hparams` of the newest checkpoint's trainer_state.json under `ckDir` (empty when there is none). */
function savedHparams(ckDir: string): Record<string, unknown> {
  const last = listStepCheckpoints(ckDir).at(-1);
  if (!last) return {};
  const p = join(last.path, 'trainer_state.json');
  if (!existsSync(p)) return {};
  try {
    const h = (JSON.parse(readFileSync(p, 'utf8')) as { hparams?: unknown }).hparams;
    return h && typeof h === 'object' ? (h as Record<string, unknown>) : {};
  } catch (e) {
    throw new UserError(`${p}: ${(e as Error).message}`);
  }
}

/** `tinyzh-train train`: see {@link HELP}. Returns 0, or 130 when stopped by a signal. */
export function run(argv: string[]): Promise<number> {
  return withUsageExit(() => runCommand(argv));
}

async function runCommand(argv: string[]): Promise<number> {
  if (argv[0] === WORKER_FLAG && !isMainThread) return workerMain();
  const f = parseFlags('train', argv, {
    help: { type: 'boolean', short: 'h' },
    data: { type: 'string' }, out: { type: 'string' }, preset: { type: 'string' }, config: { type: 'string' },
    'block-size': { type: 'string' }, 'max-steps': { type: 'string' }, 'max-tokens': { type: 'string' },
    'batch-size': { type: 'string' }, 'micro-batch-size': { type: 'string' },
    lr: { type: 'string' }, 'min-lr': { type: 'string' }, warmup: { type: 'string' }, 'weight-decay': { type: 'string' },
    beta1: { type: 'string' }, beta2: { type: 'string' }, 'grad-clip': { type: 'string' }, 'decay-embeddings': { type: 'boolean' },
    'eval-every': { type: 'string' }, 'eval-tokens': { type: 'string' }, 'sample-tokens': { type: 'string' },
    'log-every': { type: 'string' }, keep: { type: 'string' },
    backend: { type: 'string' }, seed: { type: 'string' }, resume: { type: 'boolean' }, workers: { type: 'string' }, init: { type: 'string' },
  });
  if (f.help) {
    console.log(HELP);
    return 0;
  }
  if (!f.data) throw new UsageError('train: --data <prepared dir> is required');
  if (!f.out) throw new UsageError('train: --out <run dir> is required');
  if (f.preset && f.config) throw new UsageError('train: give --preset or --config, not both');
  const backendName = (f.backend ?? 'auto') as BackendName;
  if (!BACKEND_NAMES.includes(backendName)) throw new UsageError(`--backend must be one of ${BACKEND_NAMES.join(', ')}, got '${f.backend}'`);

  const index = readPreparedIndex(f.data);
  let config: LlamaConfig;
  let initFrom: string | undefined;
  try {
    if (f.init && !f.resume) {
      if (f.preset || f.config) throw new UsageError('train: --init takes the model shape from the checkpoint; drop --preset/--config');
      initFrom = resolveCheckpoint(f.init);
      config = (await loadCheckpoint(initFrom, parseLlamaConfig)).config;
      checkTokenizerMatch('--init', initFrom, f.data, index, config.vocab_size);
    } else if (f.resume && !f.preset && !f.config) {
      const last = listStepCheckpoints(join(f.out, 'checkpoints')).at(-1);
      if (!last) throw new UserError(`--resume: no checkpoint in ${join(f.out, 'checkpoints')}`);
      config = (await loadCheckpoint(last.path, parseLlamaConfig)).config;
      checkTokenizerMatch('--resume', last.path, f.data, index, config.vocab_size);
    } else if (f.config) {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(readFileSync(f.config, 'utf8'));
      } catch (e) {
        throw new UserError(`${f.config}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (e as Error).message}`);
      }
      config = resolveConfig({ ...json, vocab_size: json.vocab_size ?? index.vocab_size }, undefined, f.config);
    } else {
      const preset = f.preset ?? 'tiny';
      if (!isPresetName(preset)) throw new UsageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got '${preset}'`);
      config = resolveConfig(preset, { vocab_size: index.vocab_size });
    }
  } catch (e) {
    if (e instanceof TinyzhError) throw new UserError(e.message, { cause: e });
    throw e;
  }

  // --resume: every hyper-parameter not given on the command line comes from the newest checkpoint's
  // trainer_state.json (flags given explicitly win; the trainer warns about each difference).
  const saved = f.resume ? savedHparams(join(f.out, 'checkpoints')) : {};
  const pick = <T,>(k: string, flagValue: string | boolean | undefined, parse: () => T, fallback: () => T): T =>
    flagValue !== undefined ? parse() : saved[k] !== undefined ? (saved[k] as T) : fallback();
  const blockSize = pick('blockSize', f['block-size'], () => num('block-size', f['block-size'], 0, { integer: true, min: 1 }), () => config.max_position_embeddings);
  const batchSize = pick('batchSize', f['batch-size'], () => num('batch-size', f['batch-size'], 16, { integer: true, min: 1 }), () => 16);
  if (f['max-steps'] && f['max-tokens']) throw new UsageError('train: give --max-steps or --max-tokens, not both');
  const maxSteps = f['max-tokens']
    ? Math.ceil(num('max-tokens', f['max-tokens'], 0, { integer: true, min: 1 }) / (batchSize * blockSize))
    : num('max-steps', f['max-steps'], 1000, { integer: true, min: 1 });
  const lr = pick('lr', f.lr, () => num('lr', f.lr, 1e-3, { min: 0 }), () => 1e-3);
  const minLr = pick('minLr', f['min-lr'], () => num('min-lr', f['min-lr'], 0, { min: 0 }), () => lr / 10);
  const warmup = pick('warmup', f.warmup, () => num('warmup', f.warmup, 0, { integer: true, min: 0 }), () => Math.min(100, Math.floor(maxSteps / 10)));
  const weightDecay = pick('weightDecay', f['weight-decay'], () => num('weight-decay', f['weight-decay'], 0.1, { min: 0 }), () => 0.1);
  const beta1 = pick('beta1', f.beta1, () => num('beta1', f.beta1, 0.9, { min: 0, max: 1 }), () => 0.9);
  const beta2 = pick('beta2', f.beta2, () => num('beta2', f.beta2, 0.95, { min: 0, max: 1 }), () => 0.95);
  const eps = pick('eps', undefined, () => 1e-8, () => 1e-8);
  const gradClip = pick('gradClip', f['grad-clip'], () => num('grad-clip', f['grad-clip'], 1, { min: 0 }), () => 1);
  const decayEmbeddings = pick('decayEmbeddings', f['decay-embeddings'], () => !!f['decay-embeddings'], () => false);
  const seed = pick('seed', f.seed, () => num('seed', f.seed, 1337, { integer: true }), () => 1337);
  const backend = await selectBackend(backendName);

  let stop = false;
  const onSignal = (sig: string) => {
    if (stop) process.exit(130); // second Ctrl-C: give up at once
    stop = true;
    console.error(`\n${sig}: saving a checkpoint after this step… (again to quit now)`);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  // stdout closed (`… | head`, a dropped ssh session): save a checkpoint and stop, as for Ctrl-C.
  const onPipe = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' && !stop) onSignal('stdout closed (EPIPE)');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.stdout.on('error', onPipe);
  try {
    const { train } = await import('../train/trainer.js');
    const r = await train({
      dataDir: f.data, outDir: f.out, config, blockSize, batchSize,
      microBatchSize: f['micro-batch-size'] ? num('micro-batch-size', f['micro-batch-size'], 1, { integer: true, min: 1 }) : undefined,
      maxSteps, lr, minLr, warmup, weightDecay, beta1, beta2, eps, gradClip, decayEmbeddings,
      evalEvery: num('eval-every', f['eval-every'], 200, { integer: true, min: 1 }),
      evalTokens: num('eval-tokens', f['eval-tokens'], 16384, { integer: true, min: 1 }),
      sampleTokens: num('sample-tokens', f['sample-tokens'], 64, { integer: true, min: 0 }),
      logEvery: num('log-every', f['log-every'], 10, { integer: true, min: 1 }),
      keepLast: num('keep', f.keep, 3, { integer: true, min: 1 }),
      seed,
      resume: !!f.resume, initFrom, backend, shouldStop: () => stop,
      workers: f.workers ? num('workers', f.workers, 1, { integer: true, min: 1 })
        : backend === 'wasm' || backend === 'cpu' ? Math.min(availableParallelism(), 8) : 1,
    });
    console.log(`done: ${r.step} steps, ${r.tokensSeen.toLocaleString('en-US')} tokens, ${Math.round(r.tokensPerSecond)} tok/s, last loss ${r.lastLoss.toFixed(4)}, best val loss ${r.bestValLoss?.toFixed(4) ?? 'n/a'}; checkpoint ${r.checkpoint}`);
    return r.stoppedBy === 'signal' ? 130 : 0;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.stdout.off('error', onPipe);
  }
}
