/**
 * Module Web Worker entry: runs a {@link StoryEngine} off the main thread, driven through comlink. Text streams back
 * through a comlink proxy callback (comlink cannot pass async generators); aborts arrive as `abort(id)` calls,
 * handled between decoder steps, so a generation stops within one token.
 *
 * Started by createStoryteller as `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`; bundlers
 * that need an explicit worker can pass `worker: new Worker(new URL('@tinyzh/runtime-web/worker', import.meta.url), { type: 'module' })`.
 */
import * as Comlink from 'comlink';
import { StoryEngine, type EngineOptions, type ModelInfo } from './engine.js';
import type { GenerateOptions, GenerationResult } from './generate.js';
import type { LoadProgress } from './load.js';
import type { BackendDevice } from './backend/onnx.js';

/** Text pieces produced within this many milliseconds of the last message are sent in one message (< one frame). */
const TEXT_BATCH_MS = 8;

/** The API the main thread calls through comlink. */
export class WorkerEngine {
  private engine: StoryEngine | undefined;
  private readonly running = new Map<number, AbortController>();
  /** Ids aborted before their generate call arrived (a signal already aborted when generate() was called). */
  private readonly abortedEarly = new Set<number>();
  private lastId = 0;

  async load(opts: Omit<EngineOptions, 'onProgress'>, onProgress?: (p: LoadProgress) => void): Promise<{ device: BackendDevice; modelInfo: ModelInfo }> {
    if (this.engine) throw new Error('This worker already holds a model');
    this.engine = await StoryEngine.load({ ...opts, onProgress: onProgress ? (p) => void onProgress(p) : undefined });
    return { device: this.engine.device, modelInfo: this.engine.modelInfo };
  }

  async generate(
    id: number,
    prompt: string,
    opts: Omit<GenerateOptions, 'signal'>,
    onText: ((text: string) => unknown) & { [Comlink.releaseProxy]?: () => void },
  ): Promise<GenerationResult> {
    const engine = this.engine;
    if (!engine) throw new Error('No model loaded in the worker');
    const ac = new AbortController();
    this.lastId = Math.max(this.lastId, id);
    if (this.abortedEarly.delete(id)) ac.abort();
    this.running.set(id, ac);
    let last: unknown;
    let pending = '';
    let lastSent = -Infinity;
    const send = (): void => {
      if (pending) last = onText(pending);
      pending = '';
      lastSent = performance.now();
    };
    try {
      // Fire-and-forget (no round trip per token); the last call is awaited so all text arrives before the result.
      // Pieces that come faster than one per TEXT_BATCH_MS are sent together: each comlink call costs ~0.1 ms of
      // messaging, a fifth of a decode step of the default model (bench/chromium.mjs).
      const result = await engine.generate(prompt, { ...opts, signal: ac.signal }, (t) => {
        pending += t;
        if (performance.now() - lastSent >= TEXT_BATCH_MS) send();
      });
      send();
      await last;
      return { ...result, device: engine.device };
    } finally {
      this.running.delete(id);
      onText[Comlink.releaseProxy]?.();
    }
  }

  abort(id: number): void {
    const ac = this.running.get(id);
    if (ac) ac.abort();
    else if (id > this.lastId) this.abortedEarly.add(id); // its generate call is still on the way (ids only grow)
  }

  device(): BackendDevice | undefined {
    return this.engine?.device;
  }

  async dispose(): Promise<void> {
    for (const ac of this.running.values()) ac.abort();
    await this.engine?.dispose();
    this.engine = undefined;
  }
}

const scope = globalThis as { WorkerGlobalScope?: unknown; postMessage?: unknown };
if (typeof scope.WorkerGlobalScope !== 'undefined' && typeof scope.postMessage === 'function') {
  Comlink.expose(new WorkerEngine());
}
