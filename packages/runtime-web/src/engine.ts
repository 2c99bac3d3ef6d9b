/**
 * The engine: one loaded model (config, tokenizer, ONNX session, KV cache, sampler) that generates text. Runs
 * in-process (Node, Deno, Bun, workerd, or a page with `worker: false`) or inside the module worker (worker.ts).
 */
import { parseLlamaConfig, sampleLogits, type LlamaConfig, type SamplingOptions } from '@tinyzh/core';
import { Tokenizer, initTokenizer } from '@tinyzh/tokenizer';
import { OnnxDecoder, hasNativeOrt, hasWebGpuAdapter, isNodeLike, type BackendDevice } from './backend/onnx.js';
import { KvCache } from './kv-cache.js';
import { WgslSampler } from './sampler-wgsl.js';
import { generate, type GenerateOptions, type GenerationResult, type TokenGuard, type TokenModel } from './generate.js';
import { Utf8Guard } from './utf8-guard.js';
import { loadModelFiles, type LoadProgress } from './load.js';
import { yieldToEventLoop } from './yield.js';
import { importNode } from './node-import.js';

/**
 * Device request. `'cpu'` is native onnxruntime-node (Node only, optional dependency). `'auto'`: in Node, `'cpu'`
 * when onnxruntime-node is installed, else WASM; elsewhere WebGPU against WASM measured at load, the faster kept.
 */
export type DeviceOption = 'auto' | 'webgpu' | 'wasm' | 'cpu';

/** Which ONNX file of the model folder to run. */
export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'q4';

const ONNX_FILES: Record<ModelDtype, string> = {
  fp32: 'onnx/model.onnx',
  fp16: 'onnx/model_fp16.onnx',
  q8: 'onnx/model_quantized.onnx',
  q4: 'onnx/model_q4.onnx',
};

/** Options of {@link StoryEngine.load} (functions excluded so they can cross a worker boundary, except callbacks). */
export interface EngineOptions {
  /** Model folder: URL, `file:` URL or path (Node). Default in Node: the model shipped in this package. */
  model?: string | URL;
  device?: DeviceOption;
  /** ONNX variant (default `'fp32'`, `onnx/model.onnx`). */
  dtype?: ModelDtype;
  /** WASM threads (default 1, or up to 4 when `crossOriginIsolated`); on `'cpu'`, onnxruntime-node's intra-op threads. */
  numThreads?: number;
  /** See {@link LoadOptions.cache}. */
  cache?: boolean | string;
  onProgress?: (p: LoadProgress) => void;
  /** The fetch used for model files (e.g. a service binding in Cloudflare workerd). Default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /**
   * Precompiled wasm modules, for runtimes that forbid compiling wasm from bytes (Cloudflare workerd): `onnxruntime`
   * is `onnxruntime-web/ort-wasm-simd-threaded.wasm`, `tokenizer` is `@tinyzh/tokenizer`'s `wasm/tokenizer.wasm`.
   */
  wasm?: { onnxruntime?: WebAssembly.Module; tokenizer?: WebAssembly.Module };
}

/** What was loaded. */
export interface ModelInfo {
  /** Model folder URL. */
  url: string;
  /** The ONNX file that runs. */
  onnxFile: string;
  /** `config.json` (Hugging Face LlamaConfig fields). */
  config: LlamaConfig;
  vocabSize: number;
  /** Context window in tokens (`max_position_embeddings`). */
  contextLength: number;
  /** Total bytes loaded. */
  bytes: number;
  /** Decode tokens/s measured per device by `device: 'auto'` (absent when not measured). */
  deviceTimings?: Partial<Record<BackendDevice, number>>;
}

/** The default model folder shipped with the package (`models/tinyzh-stories-tiny/` next to `dist/`). */
export function defaultModelUrl(): URL {
  return new URL(/* @vite-ignore */ '../models/tinyzh-stories-tiny/', import.meta.url);
}

async function assertDefaultModelPresent(url: URL): Promise<void> {
  if (url.protocol !== 'file:') return;
  const { access } = await importNode<typeof import('node:fs/promises')>('fs/promises');
  const { fileURLToPath } = await importNode<typeof import('node:url')>('url');
  const path = fileURLToPath(new URL('manifest.json', url));
  try {
    await access(path);
  } catch {
    throw new Error(
      `The default model is not installed: ${fileURLToPath(url)} has no manifest.json. ` +
        'Pass `model` (a tinyzh model folder: path or URL), or install a @tinyzh/runtime-web build that ships models/tinyzh-stories-tiny/.',
    );
  }
}

/** Tokens of the throw-away story generated at load on WASM and CPU ({@link StoryEngine.warmUp}). */
const WARMUP_TOKENS = 48;

/** A probe run: prefill 8 tokens, then `steps` greedy decode steps; returns decode tokens/s. */
async function measureDecode(decoder: OnnxDecoder, steps: number): Promise<number> {
  const kv = new KvCache(() => decoder.emptyPast());
  try {
    let ids = [1, 12, 13, 14, 15, 16, 17, 18].map((x) => x % decoder.shape.vocabSize);
    let t0 = 0;
    for (let s = 0; s <= steps; s++) {
      if (s === 1) t0 = performance.now();
      const out = await decoder.run(ids, kv.length, kv.past);
      kv.update(out.present, ids);
      const row = await decoder.lastLogits(out.logits); // includes the read back the real loop avoids on WebGPU
      out.logits.dispose();
      await yieldToEventLoop(); // lets the engine's deferred work (e.g. V8 installing optimised wasm code) run now
      ids = [row.length > 0 ? 12 + (s % 8) : 12];
    }
    return (steps * 1000) / (performance.now() - t0);
  } finally {
    kv.dispose();
  }
}

/** A loaded model that generates text. One generation at a time (later calls wait their turn). */
export class StoryEngine implements TokenModel {
  private kv: KvCache;
  private gpuSampler: WgslSampler | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private current: AbortController | undefined;
  /** Set once WebGPU failed and the engine moved to WASM. */
  fellBack = false;

  private constructor(
    private decoder: OnnxDecoder,
    private modelBytes: Uint8Array | undefined,
    readonly tokenizer: Tokenizer,
    readonly config: LlamaConfig,
    readonly modelInfo: ModelInfo,
    private readonly numThreads: number | undefined,
  ) {
    this.kv = new KvCache(() => this.decoder.emptyPast());
  }

  /**
   * Loads a model folder and creates the session.
   * @throws Error for a missing default model, 404/CORS/network failures, corrupted files (named), a config that is
   *   not a Llama (`model_type`), a tokenizer whose vocabulary does not fit the model, or no usable device.
   */
  static async load(opts: EngineOptions = {}): Promise<StoryEngine> {
    let model = opts.model;
    if (model === undefined) {
      if (!isNodeLike()) throw new Error('createStoryteller: pass `model`, the URL of a tinyzh model folder');
      const url = defaultModelUrl();
      await assertDefaultModelPresent(url);
      model = url;
    }
    if (opts.numThreads !== undefined && !(Number.isInteger(opts.numThreads) && opts.numThreads > 0)) {
      throw new Error(`numThreads must be a positive integer, got ${opts.numThreads}`);
    }
    const onnxFile = ONNX_FILES[opts.dtype ?? 'fp32'];
    if (!onnxFile) throw new Error(`Unknown dtype ${JSON.stringify(opts.dtype)}: use 'fp32', 'fp16', 'q8' or 'q4'`);
    const loaded = await loadModelFiles(model, ['config.json', 'tokenizer.json', onnxFile], {
      onProgress: opts.onProgress,
      cache: opts.cache,
      fetch: opts.fetch,
    });
    const text = (f: string): string => new TextDecoder().decode(loaded.files.get(f)!);
    const configUrl = loaded.base + 'config.json';
    let configJson: Record<string, unknown>;
    try {
      configJson = JSON.parse(text('config.json')) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${configUrl}: not valid JSON (${(e as Error).message})`);
    }
    if (configJson.model_type !== undefined && configJson.model_type !== 'llama') {
      throw new Error(`${configUrl}: model_type is ${JSON.stringify(configJson.model_type)}; this runtime runs tinyzh Llama models ("llama")`);
    }
    const config = parseLlamaConfig(configJson, configUrl);

    await initTokenizer(opts.wasm?.tokenizer);
    const tokenizer = await Tokenizer.fromJSON(text('tokenizer.json'));
    if (tokenizer.vocabSize > config.vocab_size) {
      tokenizer.dispose();
      throw new Error(
        `Vocabulary mismatch in ${loaded.base}: tokenizer.json has ${tokenizer.vocabSize} tokens but config.json vocab_size is ${config.vocab_size}`,
      );
    }
    if (tokenizer.eosId !== undefined && tokenizer.eosId !== config.eos_token_id) {
      tokenizer.dispose();
      throw new Error(
        `Vocabulary mismatch in ${loaded.base}: tokenizer </s> is id ${tokenizer.eosId} but config.json eos_token_id is ${config.eos_token_id}`,
      );
    }

    const shape = {
      numLayers: config.num_hidden_layers,
      numKeyValueHeads: config.num_key_value_heads,
      headDim: config.head_dim,
      vocabSize: config.vocab_size,
    };
    const bytes = loaded.files.get(onnxFile)!;
    const source = loaded.base + onnxFile;
    const request = opts.device ?? 'auto';
    if (!['auto', 'webgpu', 'wasm', 'cpu'].includes(request)) {
      throw new Error(`Unknown device ${JSON.stringify(request)}: use 'auto', 'webgpu', 'wasm' or 'cpu'`);
    }
    let decoder: OnnxDecoder;
    let timings: ModelInfo['deviceTimings'];
    if (request === 'cpu' || (request === 'auto' && (await hasNativeOrt()))) {
      decoder = await OnnxDecoder.create(bytes, shape, { device: 'cpu', numThreads: opts.numThreads, source });
    } else if (request === 'wasm' || (request === 'auto' && !(await hasWebGpuAdapter()))) {
      decoder = await OnnxDecoder.create(bytes, shape, { device: 'wasm', numThreads: opts.numThreads, wasmModule: opts.wasm?.onnxruntime, source });
    } else if (request === 'webgpu') {
      if (!(await hasWebGpuAdapter())) throw new Error('device "webgpu" requested but no WebGPU adapter is available here');
      decoder = await OnnxDecoder.create(bytes, shape, { device: 'webgpu', source });
    } else {
      // auto with an adapter: WASM can beat WebGPU on tiny models (transformers.js #1750) — measure both briefly.
      const wasm = await OnnxDecoder.create(bytes, shape, { device: 'wasm', numThreads: opts.numThreads, wasmModule: opts.wasm?.onnxruntime, source });
      let gpu: OnnxDecoder | undefined;
      try {
        gpu = await OnnxDecoder.create(bytes, shape, { device: 'webgpu', source });
      } catch {
        gpu = undefined;
      }
      if (!gpu) {
        decoder = wasm;
      } else {
        timings = { wasm: await measureDecode(wasm, 8) };
        try {
          await measureDecode(gpu, 2); // warm-up: shader compilation
          timings.webgpu = await measureDecode(gpu, 8);
        } catch {
          timings.webgpu = 0;
        }
        if ((timings.webgpu ?? 0) > timings.wasm!) {
          decoder = gpu;
          await wasm.dispose();
        } else {
          decoder = wasm;
          await gpu.dispose();
        }
      }
    }
    const info: ModelInfo = {
      url: loaded.base,
      onnxFile,
      config,
      vocabSize: config.vocab_size,
      contextLength: config.max_position_embeddings,
      bytes: [...loaded.files.values()].reduce((a, b) => a + b.byteLength, 0),
      deviceTimings: timings,
    };
    // Keep the ONNX bytes only while a WASM fallback may be needed.
    const engine = new StoryEngine(decoder, decoder.device === 'webgpu' ? bytes : undefined, tokenizer, config, info, opts.numThreads);
    await engine.initSampler();
    await engine.warmUp();
    return engine;
  }

  /**
   * A short throw-away story through the whole generation path (decoder, sampler, UTF-8 guard, decode stream), so
   * that the first real story runs closer to full speed: V8 optimises hot wasm and JS only after they have run a
   * while. Measured with the default model on WASM (bench `firstStoryTokensPerSecond`): in Node the first story went
   * from ~520 to ~800 tokens/s (later ones 1,340–1,480); in Chromium ORT's wasm needs about 200 decoded tokens on a
   * fresh page before it runs at full speed, so the first story there stays at ~270–450 tokens/s. On WebGPU two tokens
   * compile the shaders.
   */
  private async warmUp(): Promise<void> {
    const maxNewTokens = this.device === 'webgpu' ? 2 : WARMUP_TOKENS;
    await this.generate('从前', { maxNewTokens, temperature: 0.8, topP: 0.9, seed: 1 }, () => {});
  }

  private async initSampler(): Promise<void> {
    const dev = await this.decoder.gpuDevice();
    if (!dev) return;
    try {
      this.gpuSampler = await WgslSampler.create(dev, this.sampledVocab);
    } catch {
      this.gpuSampler = undefined; // the CPU sampler (logits read back) still works
    }
    void dev.lost?.then(() => {
      this.gpuSampler = undefined;
    });
  }

  /**
   * Ids the sampler may pick: the first `tokenizer.vocabSize` of the model's `vocab_size` logits. Models often pad
   * their vocabulary (e.g. to a multiple of 64); the padding ids have no token to decode, so they are never sampled.
   */
  get sampledVocab(): number {
    return Math.min(this.tokenizer.vocabSize, this.config.vocab_size);
  }

  /** `'webgpu'`, `'wasm'` or `'cpu'`. */
  get device(): BackendDevice {
    return this.decoder.device;
  }

  /** `'wgsl'` when tokens are sampled on the GPU, else `'cpu'`. */
  get sampler(): string {
    return this.gpuSampler ? 'wgsl' : 'cpu';
  }

  get maxPositions(): number {
    return this.config.max_position_embeddings;
  }

  get cachedLength(): number {
    return this.kv.length;
  }

  reset(): void {
    this.kv.reset();
  }

  /** One decoder run on `ids` and one sampled token (TokenModel). Falls back to WASM when WebGPU fails. */
  async next(ids: readonly number[], sampling: SamplingOptions, step: number, history: readonly number[], guard?: TokenGuard): Promise<number> {
    // The context before this step: the KV cache may already hold `ids` when the failure comes after the run.
    const context = [...this.kv.tokenIds, ...ids];
    try {
      return await this.nextOn(ids, sampling, step, history, guard);
    } catch (e) {
      if (this.decoder.device !== 'webgpu' || !this.modelBytes) throw e;
      // WebGPU device loss or an EP error: continue on WASM from the same context.
      await this.switchToWasm();
      return this.nextOn(context, sampling, step, history, guard);
    }
  }

  private async nextOn(ids: readonly number[], sampling: SamplingOptions, step: number, history: readonly number[], guard?: TokenGuard): Promise<number> {
    const out = await this.decoder.run(ids, this.kv.length, this.kv.past);
    this.kv.update(out.present, ids);
    try {
      const buf = this.gpuSampler && this.decoder.isFloat32(out.logits) ? this.decoder.gpuBuffer(out.logits) : undefined;
      // On the GPU unless a character's bytes are incomplete; a GPU pick that would break UTF-8 (rare) is redone
      // on the CPU with the banned ids masked.
      if (buf && this.gpuSampler && !guard?.midCharacter) {
        const offset = (ids.length - 1) * this.config.vocab_size;
        const id = await this.gpuSampler.sample(buf, offset, sampling, step, history);
        if (!guard || guard.allows(id)) return id;
      }
      const row = (await this.decoder.lastLogits(out.logits)).subarray(0, this.sampledVocab);
      return sampleLogits(guard ? guard.mask(row) : row, sampling, step, history);
    } finally {
      out.logits.dispose();
    }
  }

  private async switchToWasm(): Promise<void> {
    const bytes = this.modelBytes!;
    try {
      this.kv.dispose();
    } catch {
      /* buffers of a lost device */
    }
    this.gpuSampler?.dispose();
    this.gpuSampler = undefined;
    try {
      await this.decoder.dispose();
    } catch {
      /* lost device */
    }
    this.decoder = await OnnxDecoder.create(bytes, this.decoder.shape, { device: 'wasm', numThreads: this.numThreads });
    this.kv = new KvCache(() => this.decoder.emptyPast());
    this.modelBytes = undefined;
    this.fellBack = true;
  }

  /**
   * Prompt ids: the document separator `</s>` (`eos_token_id`), then the encoded prompt. tinyzh pretraining puts
   * `</s>` after every story and never `<s>` (docs/formats.md "Prompts"), so a story starts after `</s>`.
   */
  encodePrompt(prompt: string): number[] {
    return [this.config.eos_token_id, ...this.tokenizer.encode(prompt, { addBos: false })];
  }

  /**
   * Generates a continuation of `prompt`, calling `onText` with each new piece of text.
   * Calls are queued: one generation runs at a time.
   * @throws Error after dispose(), for invalid options, or when the model fails on every device.
   */
  generate(prompt: string, opts: GenerateOptions, onText: (text: string) => void): Promise<GenerationResult> {
    if (this.disposed) return Promise.reject(new Error('This storyteller was disposed'));
    const run = async (): Promise<GenerationResult> => {
      if (this.disposed) throw new Error('This storyteller was disposed');
      const ids = this.encodePrompt(prompt);
      const decoder = this.tokenizer.createDecodeStream({ skipSpecialTokens: true });
      // One controller per generation: the caller's signal and dispose() both abort it.
      const ac = new AbortController();
      const user = opts.signal;
      const forward = (): void => ac.abort(user?.reason);
      if (user?.aborted) ac.abort(user.reason);
      else user?.addEventListener('abort', forward, { once: true });
      this.current = ac;
      try {
        const guard = new Utf8Guard(this.sampledVocab, (t) => this.tokenizer.tokenToId(t));
        return await generate(this, ids, this.config.eos_token_id, decoder, { ...opts, signal: ac.signal }, onText, guard);
      } finally {
        user?.removeEventListener('abort', forward);
        this.current = undefined;
        // Free the KV cache between generations (GPU memory stays flat across many generations).
        if (!this.disposed) this.kv.reset();
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Frees the session, KV cache, GPU sampler and tokenizer. Idempotent; aborts a running generation (within one
   * token) and waits for it to stop; queued generations are rejected. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.current?.abort();
    await this.queue;
    this.kv.dispose();
    this.gpuSampler?.dispose();
    this.gpuSampler = undefined;
    await this.decoder.dispose();
    this.tokenizer.dispose();
    this.modelBytes = undefined;
  }
}
