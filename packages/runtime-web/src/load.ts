/**
 * Loading a model folder (docs/formats.md "Model folder"): `manifest.json` first, then each needed file, fetched
 * with progress, verified against the manifest's SHA-256 (`verifyManifestFile` of `@tinyzh/core`) and cached —
 * Cache API in browsers, a folder on disk in Node — so a second load works offline.
 *
 * `model` may be an http(s) URL, a `file:` URL (Node), a path (Node) or a URL relative to the page (browsers).
 */
import { parseManifest, verifyManifestFile, type ModelManifest } from '@tinyzh/core';
import { isNodeLike } from './backend/onnx.js';
import { importNode } from './node-import.js';

/** One progress event: bytes of one file done so far. */
export interface LoadProgress {
  /** File path inside the model folder, e.g. `onnx/model.onnx`. */
  file: string;
  /** Bytes read so far. */
  loaded: number;
  /** Total bytes of the file (from the manifest). */
  total: number;
  /** `'download'` while fetching, `'cache'` when served from the cache, `'done'` once verified. */
  status: 'download' | 'cache' | 'done';
}

/** Options of {@link loadModelFiles}. */
export interface LoadOptions {
  onProgress?: (p: LoadProgress) => void;
  /**
   * Caching of downloaded files: `true` (default) uses the Cache API in browsers and `~/.cache/tinyzh/models`
   * (or `$TINYZH_CACHE`) in Node; a string is the cache folder (Node) or cache name (browsers); `false` disables.
   */
  cache?: boolean | string;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

/** The loaded model folder: its manifest and the bytes of the requested files (verified). */
export interface LoadedFiles {
  /** The folder URL (ends with `/`). */
  base: string;
  manifest: ModelManifest;
  files: Map<string, Uint8Array>;
}

/** Turns `model` into a folder URL ending with `/`. Paths are resolved against the working directory in Node. */
export async function resolveModelBase(model: string | URL): Promise<string> {
  let s = model instanceof URL ? model.href : String(model);
  if (s.trim() === '') throw new Error('`model` is an empty string: pass a model folder (path or URL), or leave it out for the default model');
  if (!/^[a-z][a-z0-9+.-]*:/i.test(s)) {
    if (isNodeLike()) {
      const { pathToFileURL } = await importNode<typeof import('node:url')>('url');
      const { resolve } = await importNode<typeof import('node:path')>('path');
      s = pathToFileURL(resolve(s)).href;
    } else {
      const here = (globalThis as { location?: { href: string } }).location?.href;
      if (!here) throw new Error(`Cannot resolve the relative model URL "${s}" here: pass an absolute URL`);
      s = new URL(s, here).href;
    }
  }
  return s.endsWith('/') ? s : s + '/';
}

/** Parses manifest.json text and checks it with `parseManifest` of `@tinyzh/core`. @throws Error naming the field. */
export function readManifest(text: string, source: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // Dev servers and single-page-app hosts answer unknown paths with their index.html (status 200).
    if (/^\s*</.test(text)) {
      throw new Error(`${source}: the server answered with an HTML page, not manifest.json: \`model\` must be the URL of the model folder that holds manifest.json`);
    }
    throw new Error(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return parseManifest(json, source);
}

// ---- byte sources -------------------------------------------------------------------------------------------------

async function readLocal(url: string, file: string, total: number, onProgress?: (p: LoadProgress) => void): Promise<Uint8Array> {
  const { readFile } = await importNode<typeof import('node:fs/promises')>('fs/promises');
  const { fileURLToPath } = await importNode<typeof import('node:url')>('url');
  const path = fileURLToPath(url);
  let buf: Uint8Array;
  try {
    buf = new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`Model file not found: ${path}${file === 'manifest.json' ? '. `model` must be the folder that holds manifest.json.' : ''}`);
    if (code === 'ENOTDIR') {
      const folder = fileURLToPath(new URL('.', url)).replace(/[\\/]+$/, '');
      throw new Error(`${folder} is a file: \`model\` must be the folder that holds manifest.json`);
    }
    throw new Error(`Could not read model file ${path}: ${(e as Error).message}`);
  }
  onProgress?.({ file, loaded: buf.byteLength, total: total || buf.byteLength, status: 'download' });
  return buf;
}

async function fetchBytes(
  url: string,
  file: string,
  total: number,
  fetchFn: typeof fetch,
  onProgress?: (p: LoadProgress) => void,
): Promise<Uint8Array> {
  let res: Response;
  try {
    // One retry: a reused keep-alive connection closed by the server fails the first attempt.
    res = await fetchFn(url).catch(() => fetchFn(url));
  } catch (e) {
    throw new Error(
      `Could not fetch ${url}: ${(e as Error).message}. Check the network; if the model is on another origin, its server ` +
        `must allow this page with CORS (Access-Control-Allow-Origin), and a Content-Security-Policy of the page must ` +
        `list that origin in connect-src.`,
    );
  }
  if (res.status === 404) {
    throw new Error(`Model file not found (HTTP 404): ${url}. \`model\` must be the folder URL that holds manifest.json.`);
  }
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} fetching ${url}`);
  const size = total || Number(res.headers.get('content-length') ?? 0);
  if (!res.body) {
    const buf = new Uint8Array(await res.arrayBuffer());
    onProgress?.({ file, loaded: buf.byteLength, total: size || buf.byteLength, status: 'download' });
    return buf;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ file, loaded: 0, total: size, status: 'download' });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress?.({ file, loaded, total: size, status: 'download' });
  }
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}

// ---- caches -------------------------------------------------------------------------------------------------------

interface ByteCache {
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  delete(url: string): Promise<void>;
}

/** Cache API (browsers, Deno, workerd): responses keyed by file URL. */
function cacheApi(name: string): ByteCache | undefined {
  const caches = (globalThis as { caches?: CacheStorage }).caches;
  if (!caches || typeof caches.open !== 'function') return undefined;
  const open = (): Promise<Cache> => caches.open(name);
  return {
    async get(url) {
      try {
        const r = await (await open()).match(url);
        return r ? new Uint8Array(await r.arrayBuffer()) : undefined;
      } catch {
        return undefined;
      }
    },
    async put(url, bytes) {
      try {
        await (await open()).put(url, new Response(bytes as BlobPart, { headers: { 'content-length': String(bytes.byteLength) } }));
      } catch {
        /* quota exceeded or opaque storage: caching is best effort */
      }
    },
    async delete(url) {
      try {
        await (await open()).delete(url);
      } catch {
        /* ignore */
      }
    },
  };
}

/** A folder on disk (Node): one file per URL, named by the SHA-256 of the URL; written atomically. */
async function diskCache(dir: string | undefined): Promise<ByteCache> {
  const fs = await importNode<typeof import('node:fs/promises')>('fs/promises');
  const path = await importNode<typeof import('node:path')>('path');
  const os = await importNode<typeof import('node:os')>('os');
  const { createHash } = await importNode<typeof import('node:crypto')>('crypto');
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
  const root =
    dir ?? env.TINYZH_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'tinyzh', 'models');
  const fileOf = (url: string): string => path.join(root, createHash('sha256').update(url).digest('hex'));
  return {
    async get(url) {
      try {
        return new Uint8Array(await fs.readFile(fileOf(url)));
      } catch {
        return undefined;
      }
    },
    async put(url, bytes) {
      try {
        await fs.mkdir(root, { recursive: true });
        const f = fileOf(url);
        const tmp = `${f}.${process.pid}.${Date.now()}.tmp`;
        await fs.writeFile(tmp, bytes);
        await fs.rename(tmp, f);
      } catch {
        /* read-only disk: caching is best effort */
      }
    },
    async delete(url) {
      await fs.rm(fileOf(url), { force: true });
    },
  };
}

async function openCache(opt: boolean | string | undefined): Promise<ByteCache | undefined> {
  if (opt === false) return undefined;
  const name = typeof opt === 'string' ? opt : undefined;
  if (isNodeLike() && !(globalThis as { Deno?: unknown }).Deno) return diskCache(name);
  return cacheApi(name ?? 'tinyzh-models');
}

// ---- the loader ---------------------------------------------------------------------------------------------------

/**
 * Loads `files` (paths inside the model folder) after `manifest.json`, verifying each against the manifest.
 * `manifest.json` is fetched from the network first and read from the cache when the network fails (offline).
 *
 * @throws Error naming the file: not found (404), network/CORS failure, not listed in the manifest, truncated
 *   (size mismatch) or corrupted (SHA-256 mismatch).
 */
export async function loadModelFiles(model: string | URL, files: readonly string[], opts: LoadOptions = {}): Promise<LoadedFiles> {
  const base = await resolveModelBase(model);
  const local = base.startsWith('file:');
  const fetchFn = opts.fetch ?? globalThis.fetch?.bind(globalThis);
  if (!local && !fetchFn) throw new Error('No fetch() in this runtime: pass `fetch` in the options');
  const cache = local ? undefined : await openCache(opts.cache);
  const read = (file: string, total: number): Promise<Uint8Array> =>
    local ? readLocal(base + file, file, total, opts.onProgress) : fetchBytes(base + file, file, total, fetchFn!, opts.onProgress);

  // manifest.json: network first, cache as the offline fallback.
  const manifestUrl = base + 'manifest.json';
  let manifestBytes: Uint8Array;
  try {
    manifestBytes = await read('manifest.json', 0);
    await cache?.put(manifestUrl, manifestBytes);
  } catch (e) {
    const cached = await cache?.get(manifestUrl);
    if (!cached) throw e;
    manifestBytes = cached;
  }
  const manifest = readManifest(new TextDecoder().decode(manifestBytes), manifestUrl);

  const out = new Map<string, Uint8Array>();
  for (const file of files) {
    const entry = manifest.files.find((f) => f.path === file);
    if (!entry) throw new Error(`${manifestUrl} does not list "${file}" (files: ${manifest.files.map((f) => f.path).join(', ')})`);
    const url = base + file;
    let bytes: Uint8Array | undefined = await cache?.get(url);
    if (bytes) {
      try {
        await verifyManifestFile(manifest, file, bytes);
        opts.onProgress?.({ file, loaded: bytes.byteLength, total: entry.size, status: 'cache' });
      } catch {
        await cache?.delete(url); // stale or damaged cache entry: fetch again
        bytes = undefined;
      }
    }
    if (!bytes) {
      bytes = await read(file, entry.size);
      try {
        await verifyManifestFile(manifest, file, bytes);
      } catch (e) {
        throw new Error(`${(e as Error).message} (${url})`);
      }
      await cache?.put(url, bytes);
    }
    opts.onProgress?.({ file, loaded: bytes.byteLength, total: entry.size, status: 'done' });
    out.set(file, bytes);
  }
  return { base, manifest, files: out };
}
