/**
 * Element types of tensors and the float32 ⇄ float16 / bfloat16 conversions.
 *
 * Conversions to the narrower formats round to nearest, ties to even (IEEE 754 `roundTiesToEven`), overflow to
 * ±Infinity, keep the sign of zeros and subnormals, and keep NaN a (quiet) NaN. Formats: IEEE 754-2008 binary16
 * (1 sign, 5 exponent, 10 mantissa bits) and bfloat16 (the upper 16 bits of a binary32).
 * @packageDocumentation
 */

/** Tensor element types, named as in the safetensors header (`"F32"`, …). All multi-byte types are little-endian. */
export type DType = 'F32' | 'F16' | 'BF16' | 'I8' | 'U8' | 'I32' | 'I64';

/** Bytes per element of each {@link DType}. */
export const DTYPE_BYTES: Readonly<Record<DType, number>> = Object.freeze({
  F32: 4,
  F16: 2,
  BF16: 2,
  I8: 1,
  U8: 1,
  I32: 4,
  I64: 8,
});

/**
 * The supported dtypes in the order the safetensors writer lays their data out: widest first, and within a width the
 * order of the reference Rust implementation (its `Dtype` enum, descending), so data layouts match Python's.
 */
export const DTYPES: readonly DType[] = Object.freeze(['I64', 'F32', 'I32', 'BF16', 'F16', 'I8', 'U8'] as DType[]);

/** True when `x` is one of the supported {@link DType} names. */
export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, x);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The binary16 bit pattern (0..0xFFFF) nearest to `value` (first rounded to float32, then to binary16 with ties to
 * even). Values of magnitude ≥ 65520 become ±Infinity; below 2^-25 they become ±0.
 */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // Inf, NaN (quiet)
  const e = exp - 112; // re-biased exponent (127 → 15)
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    // binary16 subnormal (or zero): value = m × 2^-24
    if (e < -10) return sign;
    const full = mant | 0x800000;
    const shift = 14 - e; // 14..24
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (m & 1) !== 0)) m++;
    return sign | m; // m may carry into the smallest normal: still the right bits
  }
  let h = sign | (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++; // may carry into the exponent (up to Infinity)
  return h;
}

/** The value of a binary16 bit pattern (`bits` in 0..0xFFFF), exact in float32. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The bfloat16 bit pattern nearest to `value` (first rounded to float32, then the upper 16 bits with ties to even;
 * NaN stays a quiet NaN, overflow rounds to ±Infinity).
 */
export function float32ToBfloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return (x >>> 16) | 0x40; // NaN
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The value of a bfloat16 bit pattern (`bits` in 0..0xFFFF), exact in float32. */
export function bfloat16BitsToFloat32(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0];
}

/** Converts every element with {@link float32ToFloat16Bits}. Output shape = input shape. */
export function float32ArrayToFloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]);
  return out;
}

/** Converts every element with {@link float16BitsToFloat32}. */
export function float16BitsArrayToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]);
  return out;
}

/** Converts every element with {@link float32ToBfloat16Bits}. */
export function float32ArrayToBfloat16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToBfloat16Bits(values[i]);
  return out;
}

/** Converts every element with {@link bfloat16BitsToFloat32}. */
export function bfloat16BitsArrayToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  const o32 = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) o32[i] = (bits[i] & 0xffff) << 16;
  return out;
}

/** True on little-endian hosts (all mainstream ones); the byte-level helpers fall back to DataView otherwise. */
export const IS_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
