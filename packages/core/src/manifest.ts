/**
 * `manifest.json` of a model folder (docs/formats.md "Model folder"): size and SHA-256 of every file, checked by the
 * runtime before use. Hashing uses WebCrypto (`crypto.subtle.digest`), present in Node ≥ 20, browsers (secure
 * contexts), Deno, Bun and Cloudflare workerd.
 * @packageDocumentation
 */
import { ManifestError } from './errors.js';

/** One file of a model folder. */
export interface ManifestFile {
  /** Path relative to the model folder, `/`-separated (e.g. `"onnx/model.onnx"`). */
  path: string;
  /** Size in bytes. */
  size: number;
  /** SHA-256 of the contents, 64 lowercase hex digits. */
  sha256: string;
}

/** The `manifest.json` object. */
export interface ModelManifest {
  format: 'tinyzh-model';
  version: 1;
  files: ManifestFile[];
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is not available here: in browsers it needs a secure context (https or localhost)');
  return s;
}

/**
 * SHA-256 (FIPS 180-4) of `bytes` as 64 lowercase hex digits, via WebCrypto.
 * @throws {Error} when `crypto.subtle` is unavailable (an insecure browser context)
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await subtle().digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (let i = 0; i < digest.length; i++) hex += digest[i].toString(16).padStart(2, '0');
  return hex;
}

function checkPath(path: unknown, source?: string): string {
  if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.includes('\\') || path.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new ManifestError(
      `manifest${source ? ` ${source}` : ''}: file path ${JSON.stringify(path)} must be relative, "/"-separated, without "." or ".." segments`,
      'invalid',
      typeof path === 'string' ? path : undefined,
      source,
    );
  }
  return path;
}

/**
 * Builds the manifest of a set of files, sorted by path.
 * @param files model-folder-relative paths and contents
 * @throws {ManifestError} (`kind: "invalid"`) for a bad or duplicate path
 */
export async function createManifest(files: { path: string; bytes: Uint8Array }[]): Promise<ModelManifest> {
  const seen = new Set<string>();
  const out: ManifestFile[] = [];
  for (const f of files) {
    checkPath(f.path);
    if (seen.has(f.path)) throw new ManifestError(`manifest: duplicate file path "${f.path}"`, 'invalid', f.path);
    seen.add(f.path);
    out.push({ path: f.path, size: f.bytes.byteLength, sha256: await sha256Hex(f.bytes) });
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { format: 'tinyzh-model', version: 1, files: out };
}

/**
 * Validates a parsed `manifest.json`.
 * @param source the file it came from, named in errors
 * @throws {ManifestError} (`kind: "invalid"`) naming the bad field
 */
export function parseManifest(json: unknown, source = 'manifest.json'): ModelManifest {
  const bad = (msg: string, path?: string): never => {
    throw new ManifestError(`${source}: ${msg}`, 'invalid', path, source);
  };
  if (json === null || typeof json !== 'object' || Array.isArray(json)) bad('expected a JSON object');
  const j = json as Record<string, unknown>;
  if (j.format !== 'tinyzh-model') bad(`"format" must be "tinyzh-model", got ${JSON.stringify(j.format)}`);
  if (j.version !== 1) bad(`"version" must be 1, got ${JSON.stringify(j.version)}`);
  if (!Array.isArray(j.files)) bad('"files" must be an array');
  const seen = new Set<string>();
  const files: ManifestFile[] = [];
  (j.files as unknown[]).forEach((f, i) => {
    if (f === null || typeof f !== 'object') bad(`files[${i}] must be an object`);
    const e = f as Record<string, unknown>;
    const path = checkPath(e.path, source);
    if (seen.has(path)) bad(`files[${i}]: duplicate path "${path}"`, path);
    seen.add(path);
    if (typeof e.size !== 'number' || !Number.isSafeInteger(e.size) || e.size < 0) bad(`files[${i}] ("${path}"): "size" must be a non-negative integer`, path);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) bad(`files[${i}] ("${path}"): "sha256" must be 64 lowercase hex digits`, path);
    files.push({ path, size: e.size as number, sha256: e.sha256 as string });
  });
  return { format: 'tinyzh-model', version: 1, files };
}

/**
 * Checks one file's contents against the manifest.
 * @param path model-folder-relative path, as listed in the manifest
 * @param bytes the file's contents
 * @throws {ManifestError} naming the file and both sizes: `kind` `"missing"` (not listed), `"truncated"` (fewer bytes
 *   than listed: cut off or edited), `"size"` (more bytes), `"corrupted"` (same size, different SHA-256)
 */
export async function verifyManifestFile(manifest: ModelManifest, path: string, bytes: Uint8Array): Promise<void> {
  const entry = manifest.files.find((f) => f.path === path);
  if (!entry) throw new ManifestError(`${path}: not listed in manifest.json`, 'missing', path);
  if (bytes.byteLength !== entry.size) {
    // Only the size is known to differ: a shorter file may be cut off or edited, a longer one edited or appended to.
    const shorter = bytes.byteLength < entry.size;
    const why = shorter ? 'the file is truncated or was changed' : 'the file was changed or has extra bytes';
    throw new ManifestError(
      `${path}: size does not match manifest.json (got ${bytes.byteLength} bytes, expected ${entry.size}): ${why}`,
      shorter ? 'truncated' : 'size',
      path,
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new ManifestError(`${path}: corrupted: SHA-256 ${actual} does not match manifest.json (${entry.sha256})`, 'corrupted', path);
  }
}
