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
