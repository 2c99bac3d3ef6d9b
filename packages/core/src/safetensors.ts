/**
 * safetensors reader and writer, per the format spec: https://github.com/huggingface/safetensors#format
 *
 * Layout: 8 bytes `N` (unsigned 64-bit little-endian) · `N` bytes of UTF-8 JSON (the header, optionally padded with
 * trailing spaces) · the byte buffer. The header maps each tensor name to `{ dtype, shape, data_offsets: [begin, end] }`
 * (offsets relative to the start of the byte buffer) plus an optional `"__metadata__"` map of string to string.
 *
 * The reader treats its input as untrusted: every check below runs on the header alone, before anything proportional
 * to a claimed size is allocated, and each violation throws a {@link SafetensorsError} naming the tensor or field and
 * the source: header length within the file and ≤ {@link MAX_HEADER_BYTES}, UTF-8 and JSON valid, the header an
 * object, names unique, known dtypes, shapes of non-negative integers, `shape × dtype size = end − begin`, offsets in
 * bounds, non-overlapping and contiguous, covering the whole byte buffer.
 * @packageDocumentation
 */
import { DTYPE_BYTES, DTYPES, type DType, isDType, IS_LITTLE_ENDIAN } from './dtype.js';

const DTYPE_RANK: Record<string, number> = Object.fromEntries(DTYPES.map((d, i) => [d, i]));
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './dtype.js';
import { SafetensorsError } from './errors.js';

/** Largest header accepted (bytes), the limit of the reference Rust implementation. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor: element type, shape (row-major, `[]` for a scalar) and its raw little-endian bytes. */
export interface TensorData {
  dtype: DType;
  shape: number[];
  /** Raw little-endian element bytes; `byteLength = product(shape) × DTYPE_BYTES[dtype]`. */
  data: Uint8Array;
}

/** A header entry as parsed and validated by {@link parseSafetensorsHeader}. */
export interface SafetensorsHeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  /** `[begin, end)` byte offsets relative to the start of the byte buffer. */
  dataOffsets: [number, number];
}

/** The validated header of a safetensors file. */
export interface SafetensorsHeader {
  /** Entries in the order of their data in the file. */
  entries: SafetensorsHeaderEntry[];
  metadata: Record<string, string>;
  /** Absolute file offset where the byte buffer starts (8 + header length). */
  dataStart: number;
}

function where(source: string | undefined): string {
  return source ? ` in ${source}` : '';
}

function fail(message: string, source?: string, tensor?: string): never {
  throw new SafetensorsError(`safetensors${where(source)}: ${message}`, source, tensor);
}

/** Element count of a shape, or an error when a dimension is not a non-negative integer or the product overflows. */
function elementCount(shape: unknown, name: string, source?: string): number {
  if (!Array.isArray(shape)) fail(`tensor "${name}": "shape" must be an array of integers`, source, name);
  let n = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`tensor "${name}": shape[${i}] = ${JSON.stringify(d)} is not a non-negative integer`, source, name);
    }
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER / 8) fail(`tensor "${name}": shape ${JSON.stringify(shape)} is too large`, source, name);
  }
  return n;
}

/**
 * Top-level keys of a JSON object text in order (the text must already be valid JSON). `JSON.parse` keeps only the
 * last of duplicate keys; this scan is how duplicates are detected.
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const start = i;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      if (depth === 1 && expectKey) {
        keys.push(JSON.parse(text.slice(start, i + 1)) as string);
        expectKey = false;
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    } else if (c === 0x2c /* , */ && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

/**
 * Parses and validates the header of a safetensors file without touching the tensor data.
 *
 * @param prefix the first bytes of the file: at least 8, and at least `8 + N` to succeed (a whole file works)
 * @param fileSize total file size in bytes (defaults to `prefix.byteLength`)
 * @param source file name used in error messages
 * @throws {SafetensorsError} on any violation of the format (see the module description)
 */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize: number = prefix.byteLength, source?: string): SafetensorsHeader {
  if (fileSize < 8 || prefix.byteLength < 8) fail(`file is ${fileSize} bytes, shorter than the 8-byte header length`, source);
  const view = new DataView(prefix.buffer, prefix.byteOffset, 8);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`, source);
  if (headerLen > fileSize - 8) fail(`header length ${headerLen} runs past the end of the ${fileSize}-byte file (truncated?)`, source);
  if (headerLen < 2) fail(`header length ${headerLen} is too short for a JSON object`, source);
  if (prefix.byteLength < 8 + headerLen) fail(`need the first ${8 + headerLen} bytes to read the header, got ${prefix.byteLength}`, source);
  const headerBytes = prefix.subarray(8, 8 + headerLen);
  if (headerBytes[0] !== 0x7b) fail(`header does not start with "{"`, source);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    fail(`header is not valid UTF-8`, source);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`, source);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) fail(`header must be a JSON object`, source);

  const seen = new Set<string>();
  for (const k of topLevelKeys(text)) {
    if (seen.has(k)) fail(`duplicate name "${k}" in header`, source, k);
    seen.add(k);
  }

  const dataSize = fileSize - 8 - headerLen;
  const metadata: Record<string, string> = {};
  const entries: SafetensorsHeaderEntry[] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`"__metadata__" must be an object of strings`, source);
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__"."${k}" must be a string, got ${typeof v}`, source);
        metadata[k] = v;
      }
      continue;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`tensor "${name}": entry must be an object`, source, name);
    const info = raw as Record<string, unknown>;
    for (const k of Object.keys(info)) {
      if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(`tensor "${name}": unknown field "${k}"`, source, name);
    }
    const dtype = info.dtype;
    if (!isDType(dtype)) {
      fail(`tensor "${name}": unsupported dtype ${JSON.stringify(dtype)} (supported: ${DTYPES.join(', ')})`, source, name);
    }
    const count = elementCount(info.shape, name, source);
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor "${name}": "data_offsets" must be [begin, end] of non-negative integers, got ${JSON.stringify(offs)}`, source, name);
    }
    const [begin, end] = offs as [number, number];
    if (end < begin) fail(`tensor "${name}": data_offsets [${begin}, ${end}] end before begin`, source, name);
    if (end > dataSize) fail(`tensor "${name}": data_offsets [${begin}, ${end}] run past the ${dataSize}-byte data buffer (truncated?)`, source, name);
    const expected = count * DTYPE_BYTES[dtype];
    if (end - begin !== expected) {
      fail(`tensor "${name}": shape ${JSON.stringify(info.shape)} × ${dtype} needs ${expected} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`, source, name);
    }
    entries.push({ name, dtype, shape: (info.shape as number[]).slice(), dataOffsets: [begin, end] });
  }
  entries.sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let cursor = 0;
  for (const e of entries) {
    const [begin, end] = e.dataOffsets;
    if (begin < cursor) fail(`tensor "${e.name}": data_offsets [${begin}, ${end}] overlap the previous tensor (ends at ${cursor})`, source, e.name);
    if (begin > cursor) fail(`tensor "${e.name}": gap in the data buffer before data_offsets [${begin}, ${end}] (previous tensor ends at ${cursor})`, source, e.name);
    cursor = end;
  }
  if (cursor !== dataSize) fail(`tensors cover ${cursor} bytes but the data buffer holds ${dataSize} (trailing bytes or wrong header)`, source);
  return { entries, metadata, dataStart: 8 + headerLen };
}

/**
 * Reads a whole safetensors file held in memory.
 *
 * The returned tensors' `data` are views into `bytes` (no copy): copy them if `bytes` will be reused.
 * @param bytes the whole file
 * @param source file name used in error messages
 * @returns tensors by name (in file order) and the `__metadata__` map (empty when absent)
 * @throws {SafetensorsError} when the file is malformed (see the module description)
 */
export function readSafetensors(bytes: Uint8Array, source?: string): { tensors: Map<string, TensorData>; metadata: Record<string, string> } {
  if (!(bytes instanceof Uint8Array)) fail(`expected the file contents as a Uint8Array`, source);
  const header = parseSafetensorsHeader(bytes, bytes.byteLength, source);
  const tensors = new Map<string, TensorData>();
  for (const e of header.entries) {
    const data = bytes.subarray(header.dataStart + e.dataOffsets[0], header.dataStart + e.dataOffsets[1]);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata: header.metadata };
}

function checkTensor(name: string, t: TensorData): number {
  if (name === '' || name === '__metadata__') fail(`invalid tensor name ${JSON.stringify(name)}`, undefined, name);
  if (!t || typeof t !== 'object') fail(`tensor "${name}": expected { dtype, shape, data }`, undefined, name);
  if (!isDType(t.dtype)) fail(`tensor "${name}": unsupported dtype ${JSON.stringify(t.dtype)} (supported: ${DTYPES.join(', ')})`, undefined, name);
  const count = elementCount(t.shape, name);
  if (!(t.data instanceof Uint8Array)) fail(`tensor "${name}": data must be a Uint8Array of raw little-endian bytes`, undefined, name);
  const expected = count * DTYPE_BYTES[t.dtype];
  if (t.data.byteLength !== expected) {
    fail(`tensor "${name}": shape ${JSON.stringify(t.shape)} × ${t.dtype} needs ${expected} bytes, data has ${t.data.byteLength}`, undefined, name);
  }
  return expected;
}

/**
 * Serializes tensors to the safetensors format, deterministically: header keys in name order (`__metadata__` first),
 * data laid out by dtype in {@link DTYPES} order (widest first) then by name — the reference implementation's layout,
 * so every tensor's data starts at a multiple of its element size — and the header padded with spaces so the data
 * starts at a multiple of 8 (a `Float32Array` can view an F32 tensor of a file loaded at an aligned address).
 *
 * @param tensors tensors by name (a `Map` or a plain object)
 * @param metadata optional `__metadata__` (string values only)
 * @returns the whole file
 * @throws {SafetensorsError} when a tensor's byte length does not match its shape and dtype, or a name is invalid
 */
export function writeSafetensors(
  tensors: Record<string, TensorData> | Map<string, TensorData>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list: [string, TensorData][] = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const sizes = new Map<string, number>();
  for (const [name, t] of list) {
    if (sizes.has(name)) fail(`duplicate tensor name "${name}"`, undefined, name);
    sizes.set(name, checkTensor(name, t));
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const layout = list.slice().sort((a, b) => DTYPE_RANK[a[1].dtype] - DTYPE_RANK[b[1].dtype] || byName(a[0], b[0]));
  const offsets = new Map<string, [number, number]>();
  let cursor = 0;
  for (const [name] of layout) {
    const n = sizes.get(name)!;
    offsets.set(name, [cursor, cursor + n]);
    cursor += n;
  }
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    const meta: Record<string, string> = {};
    for (const k of Object.keys(metadata).sort(byName)) {
      if (typeof metadata[k] !== 'string') fail(`metadata "${k}" must be a string, got ${typeof metadata[k]}`);
      meta[k] = metadata[k];
    }
    header.__metadata__ = meta;
  }
  for (const [name, t] of list.slice().sort((a, b) => byName(a[0], b[0]))) {
    header[name] = { dtype: t.dtype, shape: t.shape.slice(), data_offsets: offsets.get(name) };
  }
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(headerBytes.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + cursor);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded % 2 ** 32, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(headerBytes, 8);
  out.fill(0x20, 8 + headerBytes.byteLength, 8 + padded);
  const dataStart = 8 + padded;
  for (const [name, t] of layout) out.set(t.data, dataStart + offsets.get(name)![0]);
  return out;
}

/**
 * Decodes a floating-point tensor to a new `Float32Array` (a copy; F16 and BF16 are widened exactly).
 * @throws {SafetensorsError} for integer dtypes
 */
export function toFloat32(t: TensorData): Float32Array {
  const n = t.data.byteLength / DTYPE_BYTES[t.dtype];
  const dv = new DataView(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  switch (t.dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      // Copy through a fresh buffer: `t.data` may be a view (a Node Buffer from a pool, a subarray), and
      // Buffer#slice returns a view, not a copy.
      if (IS_LITTLE_ENDIAN) new Uint8Array(out.buffer).set(t.data);
      else for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = float16BitsToFloat32(dv.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = bfloat16BitsToFloat32(dv.getUint16(i * 2, true));
      return out;
    }
    default:
      fail(`toFloat32: dtype ${t.dtype} is not a floating-point type`);
  }
}

/**
 * Encodes float values as a tensor of `dtype` (F32, F16 or BF16; the narrow ones rounded to nearest even).
 * @param values row-major elements, `length = product(shape)`
 * @param shape tensor shape
 * @throws {SafetensorsError} when `values.length` does not match `shape` or `dtype` is not a float type
 */
export function fromFloat32(values: Float32Array | ArrayLike<number>, shape: number[], dtype: 'F32' | 'F16' | 'BF16' = 'F32'): TensorData {
  const n = elementCount(shape, '(fromFloat32)');
  if (values.length !== n) fail(`fromFloat32: ${values.length} values do not fill shape ${JSON.stringify(shape)} (${n} elements)`);
  const data = new Uint8Array(n * DTYPE_BYTES[dtype]);
  const dv = new DataView(data.buffer);
  if (dtype === 'F32') {
    if (IS_LITTLE_ENDIAN) new Float32Array(data.buffer).set(values);
    else for (let i = 0; i < n; i++) dv.setFloat32(i * 4, values[i], true);
  } else if (dtype === 'F16') {
    for (let i = 0; i < n; i++) dv.setUint16(i * 2, float32ToFloat16Bits(values[i]), true);
  } else if (dtype === 'BF16') {
    for (let i = 0; i < n; i++) dv.setUint16(i * 2, float32ToBfloat16Bits(values[i]), true);
  } else {
    fail(`fromFloat32: dtype ${String(dtype)} is not F32, F16 or BF16`);
  }
  return { dtype, shape: shape.slice(), data };
}
