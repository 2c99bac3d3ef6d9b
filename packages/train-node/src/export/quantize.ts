/**
 * Symmetric int8 weight quantization, one scale per output channel (the scheme of ONNX `DequantizeLinear` with an
 * `axis` and a zero point of 0: `w ≈ q * scale`, `q = round(w / scale)` clamped to [-127, 127],
 * `scale = max|w| / 127` over the channel).
 */

/** An int8 matrix with one float32 scale per channel along `axis`. */
export interface Int8PerChannel {
  q: Int8Array;
  scale: Float32Array;
}

/**
 * Quantizes a row-major `[rows, cols]` matrix with one scale per column (`axis = 1`) or per row (`axis = 0`).
 * All-zero channels get scale 1 (so dequantization never divides by zero and gives exact zeros).
 */
export function quantizeInt8PerChannel(w: Float32Array, rows: number, cols: number, axis: 0 | 1): Int8PerChannel {
  if (w.length !== rows * cols) throw new Error(`quantizeInt8PerChannel: ${w.length} values for a [${rows}, ${cols}] matrix`);
  const channels = axis === 0 ? rows : cols;
  const maxAbs = new Float32Array(channels);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const a = Math.abs(w[r * cols + c]!);
      const ch = axis === 0 ? r : c;
      if (a > maxAbs[ch]!) maxAbs[ch] = a;
    }
  }
  const scale = new Float32Array(channels);
  for (let ch = 0; ch < channels; ch++) scale[ch] = maxAbs[ch]! > 0 ? maxAbs[ch]! / 127 : 1;
  const q = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const s = scale[axis === 0 ? r : c]!;
      const v = Math.round(w[r * cols + c]! / s);
      q[r * cols + c] = v > 127 ? 127 : v < -127 ? -127 : v;
    }
  }
  return { q, scale };
}

/** Transposes a row-major `[rows, cols]` matrix into `[cols, rows]`. */
export function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = w[base + c]!;
  }
  return out;
}

/** A `[N, K]` matrix packed for onnxruntime's `com.microsoft.MatMulNBits` with `bits = 4`. */
export interface Int4Blocks {
  /** `[N, kBlocks, blockSize / 2]` bytes: element `2j` in the low nibble, `2j + 1` in the high nibble. */
  packed: Uint8Array;
  /** `[N · kBlocks]` float32 scales. */
  scales: Float32Array;
  kBlocks: number;
}

/**
 * Symmetric 4-bit block quantization of an HF `[N, K]` (`[out, in]`) weight along K, in the layout of onnxruntime's
 * contrib op `MatMulNBits` (docs/ContribOperators.md, `bits = 4`, no zero-point input, so the implicit zero point
 * is 8): per block of `blockSize` values, `scale = max|w| / 7`, `q = clamp(round(w / scale), -7, 7) + 8`.
 * K is zero-padded to a whole number of blocks.
 */
export function quantizeInt4Blocks(w: Float32Array, n: number, k: number, blockSize: number): Int4Blocks {
  if (w.length !== n * k) throw new Error(`quantizeInt4Blocks: ${w.length} values for a [${n}, ${k}] matrix`);
  if (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0) throw new Error(`quantizeInt4Blocks: block size ${blockSize} must be a power of two ≥ 16`);
  const kBlocks = Math.ceil(k / blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(n * kBlocks * blob);
  const scales = new Float32Array(n * kBlocks);
  for (let r = 0; r < n; r++) {
    for (let b = 0; b < kBlocks; b++) {
      const start = b * blockSize;
      const end = Math.min(k, start + blockSize);
      let maxAbs = 0;
      for (let c = start; c < end; c++) maxAbs = Math.max(maxAbs, Math.abs(w[r * k + c]!));
      const scale = maxAbs > 0 ? maxAbs / 7 : 1;
      scales[r * kBlocks + b] = scale;
      const base = (r * kBlocks + b) * blob;
      for (let j = 0; j < blockSize; j++) {
        const c = start + j;
        const v = c < end ? Math.round(w[r * k + c]! / scale) : 0;
        const q = (v > 7 ? 7 : v < -7 ? -7 : v) + 8;
        const at = base + (j >> 1);
        packed[at] = packed[at]! | ((j & 1) === 0 ? q : q << 4);
      }
    }
  }
  return { packed, scales, kBlocks };
}

/** Inverse of {@link quantizeInt4Blocks}: the `[N, K]` float32 values `MatMulNBits` computes with. */
export function dequantizeInt4Blocks(q: Int4Blocks, n: number, k: number, blockSize: number): Float32Array {
  const out = new Float32Array(n * k);
  const blob = blockSize / 2;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < k; c++) {
      const b = Math.floor(c / blockSize);
      const j = c % blockSize;
      const byte = q.packed[(r * q.kBlocks + b) * blob + (j >> 1)]!;
      const nibble = (j & 1) === 0 ? byte & 15 : byte >> 4;
      out[r * k + c] = (nibble - 8) * q.scales[r * q.kBlocks + b]!;
    }
  }
  return out;
}
