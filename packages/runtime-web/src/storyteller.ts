/**
 * `createStoryteller`: the public entry. In browsers the engine runs in a module Web Worker through comlink; in
 * Node, Deno, Bun and Cloudflare workerd (or with `worker: false`) it runs in-process. Either way `generate()`
 * returns an async iterable of text with a `result` promise.
 */
import * as Comlink from 'comlink';
import { StoryEngine, type EngineOptions, type ModelInfo } from './engine.js';
import type { GenerateOptions, GenerationResult } from './generate.js';
import { isNodeLike, type BackendDevice } from './backend/onnx.js';
import { TextQueue, type GenerationStream } from './text-stream.js';
import type { WorkerEngine } from './worker.js';

/** Options of {@link createStoryteller}. */
export interface StorytellerOptions extends EngineOptions {
  /**
   * Run the engine in a module Web Worker (default: true in browsers, false in Node/Deno/Bun/workerd). Pass a
   * `Worker` created from `@tinyzh/runtime-web/worker` when your bundler needs to see the worker itself.
   */
  worker?: boolean | Worker;
}

/** A loaded story model. */
export interface Storyteller {
  /**
   * Streams a continuation of `prompt`.
   * @example for await (const text of teller.generate('从前，有一只小猫', { maxNewTokens: 300 })) out += text;
   */
  generate(prompt: string, opts?: GenerateOptions): GenerationStream;
  /** Frees the ORT session, GPU buffers, the KV cache and the worker. Aborts a running generation. */
  dispose(): Promise<void>;
  /** The device the model runs on: `'webgpu'`, `'wasm'` or `'cpu'` (may change to `'wasm'` after a WebGPU failure). */
  readonly device: BackendDevice;
  readonly modelInfo: ModelInfo;
}

function linkSignal(user: AbortSignal | undefined, abort: () => void): () => void {
  if (!user) return () => undefined;
  if (user.aborted) {
    abort();
    return () => undefined;
  }
  user.addEventListener('abort', abort, { once: true });
  return () => user.removeEventListener('abort', abort);
}

function inProcess(engine: StoryEngine): Storyteller {
  return {
    generate(prompt, opts = {}) {
      const ac = new AbortController();
      const q = new TextQueue(() => ac.abort());
      const unlink = linkSignal(opts.signal, () => ac.abort());
      engine
        .generate(prompt, { ...opts, signal: ac.signal }, (t) => q.push(t))
        .then((r) => q.finish(r), (e) => q.fail(e))
        .finally(unlink);
      return q;
    },
    dispose: () => engine.dispose(),
    get device() {
      return engine.device;
    },
    modelInfo: engine.modelInfo,
  };
}

/** How long dispose() waits for the worker's answers to generations it aborted before it terminates the worker. */
const DISPOSE_WAIT_MS = 2000;

async function inWorker(opts: StorytellerOptions): Promise<Storyteller> {
  const worker =
    typeof opts.worker === 'object'
      ? opts.worker
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'tinyzh-runtime' });
  const api = Comlink.wrap<WorkerEngine>(worker);
  const { worker: _w, onProgress, ...rest } = opts;
  if (rest.fetch) {
    worker.terminate();
    throw new Error('createStoryteller: a custom `fetch` cannot be passed to the worker; use `worker: false` with it');
  }
  const here = (globalThis as { location?: { href: string } }).location?.href;
  // The worker resolves URLs against its own script: send the model folder as an absolute URL.
  const model = rest.model !== undefined && here ? new URL(String(rest.model), here).href : rest.model?.toString();
  // A worker whose module fails to load never answers comlink: turn its error event into an error here.
  let onError: ((e: Event) => void) | undefined;
  const failed = new Promise<never>((_, reject) => {
    onError = (e: Event) =>
      reject(
        new Error(
          `The runtime's module worker failed to start (${(e as ErrorEvent).message ?? 'error event'}). Without a bundler, ` +
            'import maps do not reach workers: pass `worker: false`.',
        ),
      );
    worker.addEventListener('error', onError);
  });
  let loaded: { device: BackendDevice; modelInfo: ModelInfo };
  try {
    loaded = await Promise.race([api.load({ ...rest, model }, onProgress ? Comlink.proxy(onProgress) : undefined), failed]);
  } catch (e) {
    worker.terminate();
    throw e;
  } finally {
    worker.removeEventListener('error', onError!);
  }
  let device = loaded.device;
  let nextId = 1;
  let disposed = false;
  // Generations sent to the worker and not yet answered: dispose() waits for their results before it ends the worker.
  const pending = new Map<TextQueue, Promise<unknown>>();
  return {
    generate(prompt, genOpts = {}) {
      const id = nextId++;
      const q = new TextQueue(() => void api.abort(id).catch(() => undefined));
      if (disposed) {
        q.fail(new Error('This storyteller was disposed'));
        return q;
      }
      const { signal, ...plain } = genOpts;
      // An abort sent before this generate call is remembered by the worker (WorkerEngine.abort).
      const unlink = linkSignal(signal, () => void api.abort(id).catch(() => undefined));
      const call = api
        .generate(id, prompt, plain, Comlink.proxy((t: string) => q.push(t)))
        .then(
          (r) => {
            device = r.device;
            q.finish(r as GenerationResult);
          },
          (e) => q.fail(e),
        )
        .finally(() => {
          unlink();
          pending.delete(q);
        });
      pending.set(q, call);
      return q;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      try {
        // The worker aborts the running generation (its result says 'abort') and rejects the queued ones.
        await api.dispose();
        await Promise.race([Promise.allSettled(pending.values()), new Promise((r) => setTimeout(r, DISPOSE_WAIT_MS))]);
      } finally {
        api[Comlink.releaseProxy]();
        worker.terminate();
        for (const q of pending.keys()) q.fail(new Error('This storyteller was disposed'));
        pending.clear();
      }
    },
    get device() {
      return device;
    },
    modelInfo: loaded.modelInfo,
  };
}

/**
 * Loads a tinyzh model folder and returns a {@link Storyteller}.
 *
 * @param opts.model model folder URL (browsers: absolute or relative to the page; Node: also a path or `file:` URL).
 *   Default in Node: `models/tinyzh-stories-tiny/` shipped in this package.
 * @param opts.device `'auto'` (default: in Node, native onnxruntime-node when it is installed, else WASM; elsewhere
 *   WebGPU when an adapter exists and a short measured decode beats WASM), `'webgpu'`, `'wasm'`, or `'cpu'`
 *   (onnxruntime-node, Node only).
 * @param opts.onProgress per-file progress `{ file, loaded, total, status }` (bytes).
 * @param opts.cache Cache API (browsers) / disk cache (Node) of downloaded files; default on.
 * @throws Error with an actionable message (missing default model, HTTP 404, CORS, corrupted file, wrong model type,
 *   vocabulary mismatch, no WebGPU adapter for `device: 'webgpu'`, no onnxruntime-node for `device: 'cpu'`).
 */
export async function createStoryteller(opts: StorytellerOptions = {}): Promise<Storyteller> {
  const canWorker = typeof (globalThis as { Worker?: unknown }).Worker === 'function' && !isNodeLike();
  const useWorker = opts.worker === undefined ? canWorker : opts.worker !== false;
  if (useWorker) {
    if (typeof opts.worker !== 'object' && !canWorker) throw new Error('worker: true needs module Web Workers (browsers)');
    return inWorker(opts);
  }
  const { worker: _w, ...engineOpts } = opts;
  return inProcess(await StoryEngine.load(engineOpts));
}
