import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { LlamaConfig } from '@tinyzh/core';
import type { LlamaModel } from '../model/llama.js';

/** Shared buffers and settings handed to each gradient worker. */
interface WorkerInit {
  config: LlamaConfig;
  backend: string;
  /** flat float32 weights, written by the main thread before each step */
  weights: SharedArrayBuffer;
  /** this worker's flat float32 gradient sum for the step */
  grads: SharedArrayBuffer;
}

type ToWorker = { type: 'step'; tokens: Int32Array[]; rows: number; seq: number } | { type: 'close' };
type FromWorker = { type: 'ready' } | { type: 'done'; lossSum: number } | { type: 'error'; message: string };

/** The flag that makes `tinyzh-train train` run as a gradient worker thread (internal). */
export const WORKER_FLAG = '--internal-gradient-worker';

function cliPath(): string {
  const here = new URL('./cli.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return fileURLToPath(here);
  const dist = new URL('../../dist/cli.js', import.meta.url); // running from src/ (tests)
  if (existsSync(fileURLToPath(dist))) return fileURLToPath(dist);
  throw new Error('data-parallel training needs the built CLI (dist/cli.js); run `npm run build` in packages/train-node');
}

/**
 * Data-parallel gradient computation on several cores: the main thread and `workers − 1` worker threads each own
 * a tfjs model on its own backend instance (one wasm instance per thread, since tfjs-wasm runs single-threaded
 * under Node). Per optimizer step the main thread hands out the micro-batches (already drawn from the data RNG in
 * order, so the data order does not depend on the worker count), computes its own share, and sums the workers'
 * gradients from shared memory; weights go back through a SharedArrayBuffer. The summation order depends on the
 * worker count, so runs with different counts differ in the last bits; each count is deterministic.
 */
export class DataParallel {
  private constructor(
    private readonly workers: Worker[],
    private readonly weights: Float32Array,
    private readonly grads: Float32Array[],
    private readonly offsets: number[],
  ) {}

  /** Number of threads computing gradients, the main thread included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Start `threads − 1` workers for `model`'s config on `backend` (a name accepted by selectBackend). */
  static async start(model: LlamaModel, backend: string, threads: number): Promise<DataParallel> {
    const sizes = model.params.map((p) => p.shape.reduce((a, b) => a * b, 1));
    const offsets: number[] = [];
    let total = 0;
    for (const n of sizes) {
      offsets.push(total);
      total += n;
    }
    const wsab = new SharedArrayBuffer(total * 4);
    const workers: Worker[] = [];
    const grads: Float32Array[] = [];
    const path = cliPath();
    try {
      for (let i = 1; i < threads; i++) {
        const gsab = new SharedArrayBuffer(total * 4);
        const init: WorkerInit = { config: model.config, backend: backend.split(' ')[0]!, weights: wsab, grads: gsab };
        const w = new Worker(path, { argv: ['train', WORKER_FLAG], workerData: init });
        workers.push(w);
        grads.push(new Float32Array(gsab));
        await once(w, (m) => m.type === 'ready');
      }
    } catch (e) {
      for (const w of workers) void w.terminate();
      throw e;
    }
    return new DataParallel(workers, new Float32Array(wsab), grads, offsets);
  }

  /** Publish the current weights (call after every update, before {@link step}). */
  setWeights(params: Float32Array[]): void {
    params.forEach((p, i) => this.weights.set(p, this.offsets[i]!));
  }

  /**
   * Compute the summed gradients of `batches` (each `rows` windows of `seq + 1` tokens) into `sum` (zeroed by the
   * caller) and return the summed loss. Batch k goes to thread k mod size (thread 0 = this one, on `model`).
   */
  async step(model: LlamaModel, batches: Int32Array[], rows: number, seq: number, sum: Float32Array[]): Promise<number> {
    const n = this.size;
    const pending = this.workers.map((w, i) => {
      const mine = batches.filter((_, k) => k % n === i + 1);
      if (mine.length === 0) return Promise.resolve(0);
      const p = once(w, (m) => m.type === 'done' || m.type === 'error').then((m) => (m.type === 'done' ? m.lossSum : Promise.reject(new Error(`gradient worker ${i + 1}: ${(m as any).message}`))));
      w.postMessage({ type: 'step', tokens: mine, rows, seq } satisfies ToWorker);
      return p.then((l) => ({ l, i }));
    });
    let loss = 0;
    for (let k = 0; k < batches.length; k += n) {
      const { loss: l, grads } = await model.lossAndGrads(batches[k]!, rows, seq);
      loss += l;
      grads.forEach((g, i) => {
        const s = sum[i]!;
        for (let j = 0; j < s.length; j++) s[j]! += g[j]!;
      });
    }
    for (const r of await Promise.all(pending)) {
      if (typeof r === 'number') continue;
      loss += r.l;
      const flat = this.grads[r.i]!;
      sum.forEach((s, p) => {
        const off = this.offsets[p]!;
        for (let j = 0; j < s.length; j++) s[j]! += flat[off + j]!;
      });
    }
    return loss;
  }

  /** Stop the workers. */
  async close(): Promise<void> {
    for (const w of this.workers) w.postMessage({ type: 'close' } satisfies ToWorker);
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function once(w: Worker, pred: (m: FromWorker) => boolean): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMsg = (m: FromWorker) => {
      if (!pred(m)) return;
      cleanup();
      resolve(m);
    };
    const onErr = (e: Error) => {
      cleanup();
      reject(e);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`gradient worker exited with code ${code}`));
    };
    const cleanup = () => {
      w.off('message', onMsg);
      w.off('error', onErr);
      w.off('exit', onExit);
    };
    w.on('message', onMsg);
    w.on('error', onErr);
    w.on('exit', onExit);
  });
}

/** Body of a gradient worker thread (entered through `tinyzh-train train ${WORKER_FLAG}`). */
export async function workerMain(): Promise<number> {
  const init = workerData as WorkerInit;
  const port = parentPort!;
  const { selectBackend } = await import('../backend/index.js');
  const { LlamaModel } = await import('../model/llama.js');
  await selectBackend(init.backend as any);
  const model = new LlamaModel(init.config);
  const weights = new Float32Array(init.weights);
  const grads = new Float32Array(init.grads);
  const offsets: number[] = [];
  let total = 0;
  for (const p of model.params) {
    offsets.push(total);
    total += p.shape.reduce((a, b) => a * b, 1);
  }
  port.postMessage({ type: 'ready' } satisfies FromWorker);
  return new Promise((resolve) => {
    port.on('message', async (m: ToWorker) => {
      if (m.type === 'close') {
        model.dispose();
        port.close();
        resolve(0);
        return;
      }
      try {
        model.setWeights(new Map(model.params.map((p, i) => [p.name, weights.subarray(offsets[i]!, offsets[i + 1] ?? total)])));
        grads.fill(0);
        let lossSum = 0;
        for (const t of m.tokens) {
          const r = await model.lossAndGrads(t, m.rows, m.seq);
          lossSum += r.loss;
          r.grads.forEach((g, i) => {
            const off = offsets[i]!;
            for (let j = 0; j < g.length; j++) grads[off + j]! += g[j]!;
          });
        }
        port.postMessage({ type: 'done', lossSum } satisfies FromWorker);
      } catch (e) {
        port.postMessage({ type: 'error', message: (e as Error).message } satisfies FromWorker);
      }
    });
  });
}
