/**
 * Loading and calling the tokenizer WebAssembly module (hand-written glue, no wasm-bindgen).
 *
 * The module has no imports; its exports are the `tz_*` functions of `crate/src/lib.rs`. Every export reports
 * failure as a return value plus a message (`tz_error_ptr`/`tz_error_len`); a trap would only come from a bug or
 * exhausted memory, and is turned into an `Error` that carries the Rust panic message.
 */

/** Where the `.wasm` comes from: an already compiled module (required on Cloudflare workerd, which forbids
 * compiling from bytes), its bytes, a URL or path to fetch/read, or a fetch `Response`. */
export type WasmSource = WebAssembly.Module | BufferSource | URL | string | Response | PromiseLike<Response>;

/** The raw exports, typed. Pointers and sizes are byte offsets into `memory`. */
export interface TzExports {
  memory: WebAssembly.Memory;
  tz_init(): void;
  tz_error_ptr(): number;
  tz_error_len(): number;
  tz_alloc(size: number): number;
  tz_free(ptr: number, size: number): void;
  tz_tok_new(ptr: number, len: number): number;
  tz_tok_free(tok: number): void;
  tz_vocab_size(tok: number): number;
  tz_out_ids_ptr(tok: number): number;
  tz_out_bytes_ptr(tok: number): number;
  tz_encode(tok: number, ptr: number, len: number, bos: number, eos: number): number;
  tz_decode(tok: number, ids: number, n: number, skipSpecial: number): number;
  tz_token_to_id(tok: number, ptr: number, len: number): number;
  tz_id_to_token(tok: number, id: number): number;
  tz_is_special(tok: number, id: number): number;
  tz_byte_of(tok: number, id: number): number;
  tz_export(tok: number): number;
  tz_split_regex(): number;
  tz_static_ptr(): number;
  tz_class_of(cp: number): number;
  tz_trainer_new(maxPieces: number): number;
  tz_trainer_free(tr: number): void;
  tz_trainer_feed(tr: number, ptr: number, len: number): number;
  tz_trainer_pruned(tr: number): number;
  tz_trainer_finish(tr: number, vocabSize: number, minFrequency: number, coverage: number): number;
  /** Panics on purpose (tests of the trap path). */
  tz_debug_panic(): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** One instantiated module plus a reusable input buffer. */
export class WasmApi {
  readonly x: TzExports;
  private u8cache: Uint8Array;
  private scratchPtr = 0;
  private scratchCap = 0;
  /** Set after a trap: the instance must not be used again. */
  broken: string | null = null;

  constructor(instance: WebAssembly.Instance) {
    this.x = instance.exports as unknown as TzExports;
    this.u8cache = new Uint8Array(this.x.memory.buffer);
    this.x.tz_init();
  }

  /** A byte view of the whole memory (refreshed after memory growth). */
  u8(): Uint8Array {
    if (this.u8cache.buffer !== this.x.memory.buffer) this.u8cache = new Uint8Array(this.x.memory.buffer);
    return this.u8cache;
  }

  /** The last error message written by the module. */
  lastError(): string {
    const len = this.x.tz_error_len();
    return decoder.decode(this.u8().subarray(this.x.tz_error_ptr(), this.x.tz_error_ptr() + len));
  }

  /** A scratch buffer of at least `size` bytes inside wasm memory; valid until the next `scratch` call. */
  scratch(size: number): number {
    if (size > this.scratchCap) {
      if (this.scratchPtr) this.x.tz_free(this.scratchPtr, this.scratchCap);
      let cap = Math.max(4096, this.scratchCap);
      while (cap < size) cap *= 2;
      const ptr = this.x.tz_alloc(cap);
      if (!ptr) {
        this.scratchPtr = 0;
        this.scratchCap = 0;
        throw new Error(`@tinyzh/tokenizer: out of WebAssembly memory allocating ${cap} bytes`);
      }
      this.scratchPtr = ptr;
      this.scratchCap = cap;
    }
    return this.scratchPtr;
  }

  /** Writes `text` as UTF-8 into the scratch buffer; returns its byte length. Lone surrogates become U+FFFD. */
  writeText(text: string): number {
    const ptr = this.scratch(text.length * 3);
    const { written } = encoder.encodeInto(text, this.u8().subarray(ptr, ptr + text.length * 3));
    return written;
  }

  readString(ptr: number, len: number): string {
    return decoder.decode(this.u8().subarray(ptr, ptr + len));
  }

  /** Runs `fn`, turning a WebAssembly trap into an `Error` with the Rust panic message. */
  call<T>(fn: () => T): T {
    if (this.broken) throw new Error(`@tinyzh/tokenizer: the WebAssembly instance stopped after an earlier internal error (${this.broken}); call initTokenizer() again and reload the tokenizer`);
    try {
      return fn();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        let msg = '';
        try {
          msg = this.lastError();
        } catch {
          /* memory unreadable */
        }
        this.broken = msg || e.message;
        throw new Error(`@tinyzh/tokenizer: ${msg || 'internal error in WebAssembly: ' + e.message}`);
      }
      throw e;
    }
  }
}

let current: Promise<WasmApi> | null = null;

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * Imports a Node built-in only when called, through a specifier that bundlers do not follow (a literal one is
 * rewritten by tsup and then "externalized for browser compatibility" with a warning by Vite).
 */
function importNode<T = any>(name: string): Promise<T> {
  const specifier = `node:${name}`;
  return import(/* @vite-ignore */ /* webpackIgnore: true */ specifier) as Promise<T>;
}

async function readFileUrl(url: URL): Promise<ArrayBuffer> {
  const fs = await importNode('fs/promises');
  const { fileURLToPath } = await importNode('url');
  const b: Uint8Array = await fs.readFile(fileURLToPath(url));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

async function fromResponse(res: Response): Promise<WebAssembly.Instance> {
  if (!res.ok) throw new Error(`@tinyzh/tokenizer: fetching ${res.url || 'the .wasm'} failed: HTTP ${res.status}`);
  const type = res.headers.get('content-type') ?? '';
  if (typeof WebAssembly.instantiateStreaming === 'function' && type.startsWith('application/wasm')) {
    return (await WebAssembly.instantiateStreaming(res, {})).instance;
  }
  return instantiateBytes(await res.arrayBuffer());
}

async function instantiateBytes(bytes: BufferSource): Promise<WebAssembly.Instance> {
  const r = (await WebAssembly.instantiate(bytes, {})) as unknown as WebAssembly.WebAssemblyInstantiatedSource;
  return r.instance;
}

async function instantiate(source: WasmSource): Promise<WebAssembly.Instance> {
  if (source instanceof WebAssembly.Module) return WebAssembly.instantiate(source, {});
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return instantiateBytes(source as BufferSource);
  }
  if (typeof Response !== 'undefined' && source instanceof Response) return fromResponse(source);
  if (typeof source === 'string' || source instanceof URL) {
    let url: URL;
    if (source instanceof URL) url = source;
    else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(source) && !/^[a-zA-Z]:[\\/]/.test(source)) url = new URL(source);
    else if (isNode()) {
      const { pathToFileURL } = await importNode('url');
      url = pathToFileURL(source);
    } else url = new URL(source, (globalThis as { location?: { href: string } }).location?.href);
    if (url.protocol === 'file:' && isNode()) {
      return instantiateBytes(await readFileUrl(url));
    }
    return fromResponse(await fetch(url));
  }
  if (source && typeof (source as PromiseLike<Response>).then === 'function') return fromResponse(await source);
  throw new TypeError('@tinyzh/tokenizer: initTokenizer(wasm) expects a WebAssembly.Module, bytes, a URL, a path or a Response');
}

/** The `.wasm` shipped with the package, next to `dist/` (`wasm/tokenizer.wasm`). */
export function defaultWasmUrl(): URL {
  return new URL('../wasm/tokenizer.wasm', import.meta.url);
}

/**
 * Loads the tokenizer WebAssembly module. Optional: the first tokenizer call loads the `.wasm` shipped in the
 * package (Node, Bun and Deno read it from disk; browsers fetch it relative to this module). On Cloudflare workerd
 * pass the compiled module: `import wasm from '@tinyzh/tokenizer/tokenizer.wasm'; await initTokenizer(wasm)`.
 * Calling it again replaces the module used by tokenizers created afterwards.
 * @throws Error when the module cannot be fetched, read or instantiated.
 */
export async function initTokenizer(wasm?: WasmSource): Promise<void> {
  let where = '';
  const p = (async () => {
    if (wasm !== undefined) return new WasmApi(await instantiate(wasm));
    const url = defaultWasmUrl();
    where = ` from ${url.href}`;
    return new WasmApi(await instantiate(url));
  })();
  current = p;
  try {
    await p;
  } catch (e) {
    if (current === p) current = null;
    const hint = wasm === undefined ? '; pass it to initTokenizer(wasmModuleOrUrl) (required on Cloudflare Workers)' : '';
    throw new Error(`@tinyzh/tokenizer: cannot load the WebAssembly module${where}: ${(e as Error).message}${hint}`, { cause: e });
  }
}

/** The loaded module, loading the default one on first use. */
export async function getWasm(): Promise<WasmApi> {
  if (!current) await initTokenizer();
  return current as Promise<WasmApi>;
}
