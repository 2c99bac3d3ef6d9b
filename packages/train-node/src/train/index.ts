/** Public API of the model and training side of `@tinyzh/train-node`. */
export { LlamaModel, splitWindows, type Param } from '../model/llama.js';
export { initWeights } from '../model/init.js';
export { generate, type GenerateOptions } from '../model/generate.js';
export { selectBackend, BACKEND_NAMES, type BackendName } from '../backend/index.js';
export { train, evaluate, type TrainOptions, type TrainResult, type EvalResult } from './trainer.js';
export { AdamW, type AdamWOptions } from './adamw.js';
export { learningRate, type LrSchedule } from './lr-schedule.js';
export { globalNorm, clipScale } from './grad-clip.js';
export { Rng } from './rng.js';
export { DataParallel } from './parallel.js';
export { readPreparedIndex, TokenShards, type PreparedIndex, type SplitInfo } from './data-loader.js';
export { autoMicroBatch, activationBytes } from './micro-batch.js';
export { saveCheckpoint, loadCheckpoint, listStepCheckpoints, type Checkpoint, type TrainerState } from './checkpoint.js';
export { resolveCheckpoint } from './resolve-checkpoint.js';
