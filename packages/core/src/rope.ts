/**
 * Rotary position embedding (RoPE, Su et al. 2021, https://arxiv.org/abs/2104.09864) tables in the Hugging Face
 * "rotate-half" layout: for a head vector x of size D, `rope(x, p) = x * cos[p] + rotate_half(x) * sin[p]`, where
 * `rotate_half(x) = concat(-x[D/2:], x[:D/2])` and `cos[p] = concat(cos(p·f), cos(p·f))` with
 * `f_i = 1 / theta^(2i / D)` (transformers `LlamaRotaryEmbedding`, default rope type). Angles are computed in float32
 * as PyTorch does, so tables match the reference to the last bits at small positions.
 */

/** `cos` and `sin` tables, each `[maxPositions, headDim]` row-major float32. */
export interface RopeTables {
  cos: Float32Array;
  sin: Float32Array;
}

/**
 * Builds the RoPE tables for positions `0 .. maxPositions-1`.
 * @param headDim D, even.
 * @param theta `rope_theta` (10000 in Llama 2).
 * @throws RangeError when `headDim` is odd.
 */
export function ropeTables(maxPositions: number, headDim: number, theta: number): RopeTables {
  if (headDim % 2 !== 0) throw new RangeError(`RoPE needs an even head_dim, got ${headDim}`);
  const half = headDim / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / Math.fround(Math.pow(theta, Math.fround((2 * i) / headDim)));
  const cos = new Float32Array(maxPositions * headDim);
  const sin = new Float32Array(maxPositions * headDim);
  for (let p = 0; p < maxPositions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * invFreq[i]!);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[p * headDim + i] = c;
      cos[p * headDim + half + i] = c;
      sin[p * headDim + i] = s;
      sin[p * headDim + half + i] = s;
    }
  }
  return { cos, sin };
}
