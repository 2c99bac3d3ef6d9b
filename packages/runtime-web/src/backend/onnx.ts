/**
 * The only module that knows onnxruntime (like transformers.js's `backends/onnx.js`).
 *
 * ORT is imported lazily through this package's import map entries (package.json "imports"):
 * - `#ort` (WebGPU sessions): browsers and bundlers get `onnxruntime-web/webgpu` (WebGPU + WASM EPs, asyncify build);
 * - `#ort-wasm` (WASM sessions): browsers get `onnxruntime-web/wasm`, the plain WASM build, measured 2.3–2.5× faster
 *   than the asyncify build's WASM EP in Chromium here; only its `.wasm` is downloaded when WebGPU is not used.
 * Node, Deno and Bun get onnxruntime-web's Node build for both, Cloudflare workerd the WASM build for both. The
 * `.wasm` files are located by `new URL(..., import.meta.url)` inside ORT, which Vite and plain module pages
 * resolve without `wasmPaths`.
 * - `'cpu'` (Node only): `onnxruntime-node`, ORT's native CPU build, an optional peer dependency imported through a
 *   specifier bundlers do not follow (as transformers.js uses it in Node). Same `InferenceSession`/`Tensor` API.
 *
 * The decoder follows the transformers.js / Optimum I/O convention of docs/formats.md: inputs `input_ids`,
 * `attention_mask`, `position_ids` (int64) and `past_key_values.{i}.key|value` (float32
 * `[batch, num_key_value_heads, past, head_dim]`); outputs `logits` (float32 `[batch, seq, vocab]`) and
 * `present.{i}.key|value`.
 */
import type * as ort from '#ort';
import { float16BitsArrayToFloat32 } from '@tinyzh/core';

/** Execution device of a session: onnxruntime-web's WebGPU or WASM backend, or native onnxruntime-node (`'cpu'`). */
export type BackendDevice = 'webgpu' | 'wasm' | 'cpu';

/** A tensor owned by the backend (CPU or GPU memory); `dispose()` frees GPU memory. */
export interface BackendTensor {
  readonly dims: readonly number[];
  /** Where the data lives: `'cpu'`, `'gpu-buffer'`, … */
  readonly location: string;
  dispose(): void;
}

/** Shapes the decoder needs to build its KV cache. */
export interface DecoderShape {
  numLayers: number;
  numKeyValueHeads: number;
  headDim: number;
  vocabSize: number;
}

/** Options for {@link OnnxDecoder.create}. */
export interface DecoderSessionOptions {
  device: BackendDevice;
  /**
   * WASM threads (default: 1 unless `crossOriginIsolated`, then up to 4), or onnxruntime-node's intra-op threads
   * (default: onnxruntime's, one per physical core). Ignored on WebGPU.
   */
  numThreads?: number;
  /**
   * onnxruntime-web's `.wasm`, already compiled — for runtimes that forbid compiling wasm from bytes (Cloudflare
   * workerd, where it is imported as a module). It must match the build `#ort` resolves to.
   */
  wasmModule?: WebAssembly.Module;
  /** Where the model bytes came from (file URL), for error messages. */
  source?: string;
}

/** Output of one decoder run. `logits` is `[1, seq, vocab]`; on WebGPU it stays in a GPU buffer. */
export interface DecoderOutput {
  logits: BackendTensor;
  present: Map<string, BackendTensor>;
}

/** True when running under Node, Deno or Bun (a `process.versions.node` exists; not workerd's nodejs_compat). */
export function isNodeLike(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; navigator?: { userAgent?: string } };
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return false;
  return typeof g.process?.versions?.node === 'string';
}

/** True in Node itself (not Deno or Bun, which also have `process.versions.node`), where onnxruntime-node can load. */
export function isNode(): boolean {
  const g = globalThis as { Deno?: unknown; process?: { versions?: { bun?: string } } };
  return isNodeLike() && g.Deno === undefined && g.process?.versions?.bun === undefined;
}

/** Default number of WASM threads: 1 unless the page is cross-origin isolated (SharedArrayBuffer available). */
export function defaultWasmThreads(): number {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (isNodeLike()) return 1;
  if (g.crossOriginIsolated !== true) return 1;
  return Math.max(1, Math.min(4, g.navigator?.hardwareConcurrency ?? 1));
}

/** Whether a WebGPU adapter can be obtained here (does not trust `navigator.gpu` alone). */
export async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

/** KV input/output names of layer `i`. */
export function kvNames(i: number): { pastKey: string; pastValue: string; presentKey: string; presentValue: string } {
  return {
    pastKey: `past_key_values.${i}.key`,
    pastValue: `past_key_values.${i}.value`,
    presentKey: `present.${i}.key`,
    presentValue: `present.${i}.value`,
  };
}

/** The onnxruntime-web module (one of the builds above). */
export type Ort = typeof ort;

const builds: Partial<Record<BackendDevice, Promise<Ort>>> = {};

/** Imports the ORT build for `device` (once). */
export function loadOrt(device: BackendDevice): Promise<Ort> {
  builds[device] ??= (device === 'webgpu' ? import('#ort') : device === 'wasm' ? import('#ort-wasm') : importOrtNode()) as Promise<Ort>;
  return builds[device]!;
}

async function importOrtNode(): Promise<Ort> {
  if (!isNode()) throw new Error('device "cpu" (onnxruntime-node) runs only in Node');
  const specifier = 'onnxruntime-node';
  let mod: Ort & { default?: Ort };
  try {
    mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as Ort & { default?: Ort };
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    if (/Cannot find (package|module) 'onnxruntime-node'/.test(message)) {
      throw new Error(`device "cpu" needs the optional dependency onnxruntime-node (npm i onnxruntime-node): ${message}`);
    }
    throw new Error(`onnxruntime-node is installed but could not be loaded (reinstall it, or use device "wasm"): ${message}`);
  }
  return mod.default ?? mod;
}

/** Whether onnxruntime-node (device `'cpu'`) can be loaded here: Node with the optional dependency installed. */
export async function hasNativeOrt(): Promise<boolean> {
  if (!isNode()) return false;
  try {
    await loadOrt('cpu');
    return true;
  } catch {
    delete builds.cpu; // a later explicit request reports the reason
    return false;
  }
}

const configured = new WeakSet<object>();
const MODULE_MARKER = 'tinyzh:precompiled-ort-wasm';

/**
 * Hands ORT a precompiled `WebAssembly.Module`. onnxruntime-web only accepts wasm bytes (`env.wasm.wasmBinary`),
 * which emscripten passes to `WebAssembly.instantiate(bytes, imports)`; a marker is given as the "bytes" and that one
 * call is answered with an instance of the module.
 */
function usePrecompiledWasm(ort: Ort, module: WebAssembly.Module): void {
  const marker = new TextEncoder().encode(MODULE_MARKER);
  const isMarker = (src: unknown): boolean => {
    if (!(src instanceof ArrayBuffer) && !ArrayBuffer.isView(src)) return false;
    const view = src instanceof ArrayBuffer ? new Uint8Array(src) : new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
    return view.byteLength === marker.byteLength && new TextDecoder().decode(view) === MODULE_MARKER;
  };
  const wa = WebAssembly as { instantiate: (src: unknown, imports?: WebAssembly.Imports) => Promise<unknown> };
  const original = wa.instantiate.bind(WebAssembly);
  wa.instantiate = (src, imports) =>
    isMarker(src)
      ? (WebAssembly.instantiate(module, imports) as Promise<WebAssembly.Instance>).then((instance) => ({ instance, module }))
      : original(src, imports);
  ort.env.wasm.wasmBinary = marker;
}

function configureWasm(ort: Ort, numThreads: number | undefined, wasmModule?: WebAssembly.Module): void {
  // ORT reads env.wasm.* when it first initialises the wasm module; later changes have no effect.
  if (configured.has(ort.env)) {
    if (numThreads !== undefined && numThreads !== ort.env.wasm.numThreads) {
      throw new Error(
        `numThreads ${numThreads}: onnxruntime-web's WASM backend already runs with ${ort.env.wasm.numThreads} thread(s) here and cannot change in this ${isNodeLike() ? 'process' : 'page'}`,
      );
    }
    return;
  }
  numThreads ??= defaultWasmThreads();
  ort.env.wasm.numThreads = numThreads;
  ort.env.wasm.simd = true;
  ort.env.logLevel = 'error';
  if (wasmModule) usePrecompiledWasm(ort, wasmModule);
  configured.add(ort.env);
}

/**
 * One ONNX Runtime Web session of the exported decoder.
 *
 * @throws Error when ORT cannot create the session (bad model bytes, missing inputs/outputs, no WebGPU).
 */
export class OnnxDecoder {
  private constructor(
    private readonly ort: Ort,
    private session: ort.InferenceSession,
    readonly device: BackendDevice,
    readonly shape: DecoderShape,
  ) {}

  /**
   * Creates the session.
   * @param model ONNX model bytes (`onnx/model.onnx` of the model folder).
   * @param shape layer count, KV heads, head_dim, vocab size from config.json.
   */
  static async create(model: Uint8Array, shape: DecoderShape, opts: DecoderSessionOptions): Promise<OnnxDecoder> {
    let ort: Ort;
    try {
      ort = await loadOrt(opts.device);
    } catch (e) {
      const what = opts.device === 'cpu' ? 'onnxruntime-node' : `onnxruntime-web (${opts.device} build)`;
      throw new Error(`Could not load ${what}: ${(e as Error).message ?? e}`);
    }
    if (opts.device !== 'cpu') configureWasm(ort, opts.numThreads, opts.wasmModule);
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [opts.device],
      graphOptimizationLevel: 'all',
      // errors only: ORT's placement warnings (shape ops kept on the CPU, on purpose) are not the user's concern
      logSeverityLevel: 3,
    };
    if (opts.device === 'cpu' && opts.numThreads !== undefined) options.intraOpNumThreads = opts.numThreads;
    if (opts.device === 'webgpu') {
      // Keep logits and the KV cache on the GPU: present.* are fed back as past_key_values without a round trip,
      // the sampler reads logits in place (sampler-wgsl.ts).
      options.preferredOutputLocation = 'gpu-buffer';
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(model, options);
    } catch (e) {
      const from = opts.source ? ` from ${opts.source}` : '';
      throw new Error(`Could not create the ONNX Runtime session on ${opts.device}${from}: ${(e as Error).message ?? e}`);
    }
    const need = ['input_ids', 'attention_mask'];
    for (const name of need) {
      if (!session.inputNames.includes(name)) {
        await session.release();
        throw new Error(
          `The ONNX model has no input "${name}" (inputs: ${session.inputNames.join(', ')}); expected the decoder layout of docs/formats.md`,
        );
      }
    }
    const pastInputs = session.inputNames.filter((n: string) => n.startsWith('past_key_values.')).length;
    if (pastInputs !== 2 * shape.numLayers) {
      await session.release();
      throw new Error(
        `The ONNX model has ${pastInputs} past_key_values inputs but config.json says num_hidden_layers=${shape.numLayers} (expected ${2 * shape.numLayers})`,
      );
    }
    return new OnnxDecoder(ort, session, opts.device, shape);
  }

  /** Zero-length past tensors `[1, num_key_value_heads, 0, head_dim]` for every layer. */
  emptyPast(): Map<string, BackendTensor> {
    const m = new Map<string, BackendTensor>();
    const dims = [1, this.shape.numKeyValueHeads, 0, this.shape.headDim];
    for (let i = 0; i < this.shape.numLayers; i++) {
      const n = kvNames(i);
      m.set(n.pastKey, new this.ort.Tensor('float32', new Float32Array(0), dims));
      m.set(n.pastValue, new this.ort.Tensor('float32', new Float32Array(0), dims));
    }
    return m;
  }

  /**
   * Runs the decoder on `ids` at positions `[pastLength, pastLength + ids.length)`.
   * @param past `past_key_values.{i}.key|value` tensors of length `pastLength` (from {@link emptyPast} or a
   *   previous run's `present`, renamed by the KV cache).
   * @returns logits `[1, seq, vocab]` and `present.{i}.key|value` (`past + seq` long), keyed `past_key_values.*`.
   */
  async run(ids: readonly number[], pastLength: number, past: Map<string, BackendTensor>): Promise<DecoderOutput> {
    const seq = ids.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new this.ort.Tensor('int64', BigInt64Array.from(ids, (x) => BigInt(x)), [1, seq]),
      attention_mask: new this.ort.Tensor('int64', new BigInt64Array(pastLength + seq).fill(1n), [1, pastLength + seq]),
    };
    if (this.session.inputNames.includes('position_ids')) {
      const pos = new BigInt64Array(seq);
      for (let i = 0; i < seq; i++) pos[i] = BigInt(pastLength + i);
      feeds.position_ids = new this.ort.Tensor('int64', pos, [1, seq]);
    }
    for (const [name, t] of past) feeds[name] = t as ort.Tensor;
    const out = await this.session.run(feeds);
    const present = new Map<string, BackendTensor>();
    for (let i = 0; i < this.shape.numLayers; i++) {
      const n = kvNames(i);
      present.set(n.pastKey, out[n.presentKey] as ort.Tensor);
      present.set(n.pastValue, out[n.presentValue] as ort.Tensor);
    }
    const logits = out.logits;
    if (!logits) throw new Error('The ONNX model produced no "logits" output');
    return { logits: logits as ort.Tensor, present };
  }

  /** Downloads the last position's logits `[vocab]` (a GPU→CPU copy on WebGPU). */
  async lastLogits(logits: BackendTensor): Promise<Float32Array> {
    const t = logits as ort.Tensor;
    const vocab = t.dims[2]!;
    const seq = t.dims[1]!;
    const data = await t.getData();
    if (t.type === 'float32') return (data as Float32Array).subarray((seq - 1) * vocab, seq * vocab);
    if (t.type === 'float16') {
      // Uint16Array of IEEE half bits (or Float16Array where the platform has it)
      const row = data as unknown as ArrayLike<number>;
      return data instanceof Uint16Array
        ? float16BitsArrayToFloat32(data.subarray((seq - 1) * vocab, seq * vocab))
        : Float32Array.from({ length: vocab }, (_, i) => row[(seq - 1) * vocab + i]!);
    }
    throw new Error(`The ONNX model's logits are ${t.type}; expected float32 or float16`);
  }

  /** True when `t` holds float32 values (what the WGSL sampler reads). */
  isFloat32(t: BackendTensor): boolean {
    return (t as ort.Tensor).type === 'float32';
  }

  /** The GPU buffer behind a tensor on WebGPU, or undefined on the CPU. */
  gpuBuffer(t: BackendTensor): GPUBuffer | undefined {
    return t.location === 'gpu-buffer' ? ((t as ort.Tensor).gpuBuffer as GPUBuffer) : undefined;
  }

  /** The GPUDevice ORT uses (valid after the first WebGPU session was created), else undefined. */
  async gpuDevice(): Promise<GPUDevice | undefined> {
    if (this.device !== 'webgpu') return undefined;
    const dev = await (this.ort.env.webgpu.device as unknown as Promise<GPUDevice> | GPUDevice);
    return dev ?? undefined;
  }

  /** Releases the session (and its GPU memory). Idempotent. */
  async dispose(): Promise<void> {
    const s = this.session;
    if (!s) return;
    (this as unknown as { session: ort.InferenceSession | null }).session = null;
    await s.release();
  }
}
