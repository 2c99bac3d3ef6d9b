import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { fromFloat32, readSafetensors, toFloat32, writeSafetensors, type LlamaConfig, type TensorData, toHfConfigJson } from '@tinyzh/core';


/** `trainer_state.json`: everything besides tensors that `--resume` needs to continue bit-exactly. */
export interface TrainerState {
  format: 'tinyzh-trainer-state';
  version: 1;
  /** optimizer steps completed */
  step: number;
  /** training tokens consumed (inputs, not counting the extra target token per row) */
  tokens_seen: number;
  /** state of the data-order RNG ({@link Rng.getState}) */
  data_rng: number[];
  /** best validation loss so far (nats) and the step it was measured at */
  best_val_loss: number | null;
  best_step: number | null;
  /** seconds of training so far (excluding evaluation) */
  train_seconds: number;
  /** the run's hyper-parameters, checked on resume */
  hparams: Record<string, unknown>;
}

/** Everything a checkpoint holds, in memory. */
export interface Checkpoint {
  config: LlamaConfig;
  /** parameter name → float32 data, HF names and layout */
  weights: Map<string, Float32Array>;
  /** AdamW first and second moments by parameter name (absent in weight-only checkpoints) */
  expAvg?: Map<string, Float32Array>;
  expAvgSq?: Map<string, Float32Array>;
  state?: TrainerState;
}

/** `step-00001000` */
export function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/**
 * Write a checkpoint folder atomically: everything goes to `<dir>/.tmp-<name>-<pid>` first, which is then
 * renamed to `<dir>/<name>` (replacing an older folder of the same name).
 * Files: config.json (HF LlamaConfig), model.safetensors (F32, HF names), optimizer.safetensors
 * (`exp_avg.<name>`, `exp_avg_sq.<name>`), trainer_state.json, tokenizer.json (copied from `tokenizerPath`).
 * @returns the final folder path
 */
export async function saveCheckpoint(
  dir: string,
  name: string,
  ck: Checkpoint,
  shapes: Map<string, number[]>,
  tokenizerPath?: string,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.tmp-${name}-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  const tensors = new Map<string, TensorData>();
  for (const [n, a] of ck.weights) tensors.set(n, fromFloat32(a, shapes.get(n)!));
  await writeFile(join(tmp, 'model.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  if (ck.expAvg && ck.expAvgSq) {
    const opt = new Map<string, TensorData>();
    for (const [n, a] of ck.expAvg) opt.set(`exp_avg.${n}`, fromFloat32(a, shapes.get(n)!));
    for (const [n, a] of ck.expAvgSq) opt.set(`exp_avg_sq.${n}`, fromFloat32(a, shapes.get(n)!));
    await writeFile(join(tmp, 'optimizer.safetensors'), writeSafetensors(opt, { step: String(ck.state?.step ?? 0) }));
  }
  await writeFile(join(tmp, 'config.json'), JSON.stringify(toHfConfigJson(ck.config), null, 2) + '\n');
  if (ck.state) await writeFile(join(tmp, 'trainer_state.json'), JSON.stringify(ck.state, null, 2) + '\n');
  if (tokenizerPath) await copyFile(tokenizerPath, join(tmp, 'tokenizer.json'));
  const final = join(dir, name);
  const old = join(dir, `.old-${name}-${process.pid}`);
  if (existsSync(final)) await rename(final, old);
  await rename(tmp, final);
  await rm(old, { recursive: true, force: true });
  return final;
}

function readTensors(path: string): Map<string, TensorData> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path)); // a plain copy: a Node Buffer's slice() is a view
  } catch {
    throw new UserError(`${path}: not found`);
  }
  try {
    return readSafetensors(bytes, path).tensors;
  } catch (e) {
    const msg = (e as Error).message; // core's messages already name the file
    throw new UserError(msg.includes(path) ? msg : `${path}: ${msg}`, { cause: e });
  }
}

/**
 * Load a checkpoint folder (or any HF Llama folder with config.json + model.safetensors).
 * @param parseConfig turns config.json's object into a validated config (throws naming the file)
 */
export async function loadCheckpoint(path: string, parseConfig: (json: unknown, source: string) => LlamaConfig): Promise<Checkpoint> {
  const cfgPath = join(path, 'config.json');
  let cfgJson: unknown;
  try {
    cfgJson = JSON.parse(await readFile(cfgPath, 'utf8'));
  } catch (e) {
    throw new UserError(`${cfgPath}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found — is this a checkpoint folder?' : (e as Error).message}`);
  }
  const config = parseConfig(cfgJson, cfgPath);
  const weights = new Map<string, Float32Array>();
  for (const [n, t] of readTensors(join(path, 'model.safetensors'))) {
    if (t.dtype !== 'F32') throw new UserError(`${join(path, 'model.safetensors')}: tensor ${n} is ${t.dtype}; training checkpoints are F32`);
    weights.set(n, toFloat32(t));
  }
  const ck: Checkpoint = { config, weights };
  const optPath = join(path, 'optimizer.safetensors');
  if (existsSync(optPath)) {
    ck.expAvg = new Map();
    ck.expAvgSq = new Map();
    for (const [n, t] of readTensors(optPath)) {
      if (n.startsWith('exp_avg_sq.')) ck.expAvgSq.set(n.slice('exp_avg_sq.'.length), toFloat32(t));
      else if (n.startsWith('exp_avg.')) ck.expAvg.set(n.slice('exp_avg.'.length), toFloat32(t));
    }
  }
  const statePath = join(path, 'trainer_state.json');
  if (existsSync(statePath)) {
    const s = JSON.parse(await readFile(statePath, 'utf8')) as TrainerState;
    if (s.format !== 'tinyzh-trainer-state') throw new UserError(`${statePath}: "format" must be "tinyzh-trainer-state"`);
    ck.state = s;
  }
  return ck;
}

/** Step folders under `dir`, ascending by step. */
export function listStepCheckpoints(dir: string): { step: number; path: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((n) => /^step-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ step: Number(m[1]), path: join(dir, m[0]) }))
    .sort((a, b) => a.step - b.step);
}

/** `best.json` in the checkpoints folder: `{ step, path, val_loss }` (path relative to the folder). */
export interface BestPointer { step: number; path: string; val_loss: number }

/** Write `best.json` atomically. */
export async function writeBestPointer(dir: string, best: BestPointer): Promise<void> {
  const tmp = join(dir, `.best.json.tmp-${process.pid}`);
  await writeFile(tmp, JSON.stringify(best, null, 2) + '\n');
  await rename(tmp, join(dir, 'best.json'));
}

/** Read `best.json`, if any. */
export function readBestPointer(dir: string): BestPointer | undefined {
  const p = join(dir, 'best.json');
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, 'utf8')) as BestPointer;
}

/** Delete step folders beyond the newest `keep`, never the one `best.json` points to. */
export async function pruneCheckpoints(dir: string, keep: number): Promise<void> {
  const all = listStepCheckpoints(dir);
  const best = readBestPointer(dir);
  const doomed = all.slice(0, Math.max(0, all.length - keep)).filter((c) => !best || best.step !== c.step);
  for (const c of doomed) await rm(c.path, { recursive: true, force: true });
}
