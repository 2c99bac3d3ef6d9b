/**
 * The Llama decoder as one ONNX graph with a KV cache, in the transformers.js / Optimum convention
 * (docs/formats.md, "Model folder"): one graph serves the prefill (past length 0) and every decode step.
 *
 * Inputs: `input_ids` int64 `[batch, seq]`, `attention_mask` int64 `[batch, past + seq]`, `position_ids` int64
 * `[batch, seq]`, `past_key_values.{i}.key|value` float32 `[batch, n_kv_heads, past, head_dim]`.
 * Outputs: `logits` float32 `[batch, seq, vocab]`, `present.{i}.key|value` `[batch, n_kv_heads, past + seq, head_dim]`
 * (keys cached after RoPE, as transformers does).
 *
 * The forward pass is that of transformers' `LlamaForCausalLM` (eager attention): RMSNorm → q/k/v projections →
 * rotate-half RoPE → scaled dot-product attention with a causal + padding mask, each group of query heads against
 * its shared KV head (the KV heads are not repeated: same products, no copies of the cache) → o projection → residual → RMSNorm → SwiGLU MLP → residual; final RMSNorm and the LM head (tied to the embedding
 * when `tie_word_embeddings`).
 *
 * Only standard ONNX ops at opset 17 are used (plus `com.microsoft.MatMulNBits` in the `q4` variant), all of which
 * onnxruntime-web's WebGPU EP implements (Gather, MatMul, Gemm, Softmax, ReduceMean, Pow, Sqrt, Div, Sigmoid, Split,
 * Concat, Reshape, Transpose, Unsqueeze, Tile, Range, LessOrEqual, Cast, DequantizeLinear and element-wise
 * arithmetic). Token ids, positions and the mask are cast to int32/float right at the inputs; int64 only remains in
 * the few shape computations ORT keeps on the CPU (test/export/webgpu.test.ts checks ORT's placement log).
 */
import type { LlamaConfig } from '@tinyzh/core';
import { DataType } from './proto.js';
import { GraphBuilder } from './graph-builder.js';
import { ropeTables } from './rope.js';
import { quantizeInt4Blocks, quantizeInt8PerChannel, transpose2d } from '../quantize.js';

/**
 * The config fields the graph needs: those of `@tinyzh/core`'s `LlamaConfig` (Hugging Face `LlamaConfig` names);
 * `head_dim` may be left out (then `hidden_size / num_attention_heads`).
 */
export type DecoderConfig = Pick<
  LlamaConfig,
  | 'vocab_size'
  | 'hidden_size'
  | 'intermediate_size'
  | 'num_hidden_layers'
  | 'num_attention_heads'
  | 'num_key_value_heads'
  | 'rms_norm_eps'
  | 'rope_theta'
  | 'max_position_embeddings'
  | 'tie_word_embeddings'
> &
  Partial<Pick<LlamaConfig, 'head_dim'>>;

/**
 * How the weights are stored in the file.
 * - `fp32`: float32 everywhere.
 * - `fp16`: matrices stored as float16 and Cast to float32 inside the graph (half the download; compute and I/O stay
 *   float32). Norm weights stay float32.
 * - `int8`: matrices stored as int8 with one float32 scale per output channel, `DequantizeLinear` + `MatMul`
 *   (weight-only; compute and I/O stay float32). Norm weights stay float32.
 * - `q4`: the projections and the LM head as 4-bit blocks of 32 for onnxruntime's contrib op
 *   `com.microsoft.MatMulNBits` (run natively by the CPU, WebAssembly and WebGPU EPs, not by other ONNX runtimes);
 *   the embedding table stored as float16 and Cast to float32. I/O stays float32.
 */
export type WeightFormat = 'fp32' | 'fp16' | 'int8' | 'q4';

/** Options of {@link buildLlamaDecoderOnnx}. */
export interface DecoderExportOptions {
  weightFormat?: WeightFormat;
  /** Converts float32 values to IEEE half bits (`float32ArrayToFloat16Bits` of `@tinyzh/core`); required for `fp16` and `q4`. */
  float32ToFloat16?: (values: Float32Array) => Uint16Array;
  /** Written into the model's `producer_version`. */
  producerVersion?: string;
}

/** Large negative additive bias for masked attention scores: finite, so fully masked (padding) rows never give NaN. */
const MASK_BIAS = -1e9;

/**
 * Builds the decoder graph.
 * @param weights float32 weights by Hugging Face name, shapes as in docs/formats.md (PyTorch `[out, in]` layout).
 * @returns the ONNX file bytes.
 * @throws Error naming the tensor when a weight is missing or has the wrong length, or when the head sizes do not divide.
 */
export function buildLlamaDecoderOnnx(
  config: DecoderConfig,
  weights: ReadonlyMap<string, Float32Array>,
  opts: DecoderExportOptions = {},
): Uint8Array {
  const format = opts.weightFormat ?? 'fp32';
  if ((format === 'fp16' || format === 'q4') && !opts.float32ToFloat16) throw new Error(`buildLlamaDecoderOnnx: ${format} needs a float32ToFloat16 converter`);
  const H = config.hidden_size;
  const nH = config.num_attention_heads;
  const nKV = config.num_key_value_heads;
  const D = config.head_dim ?? H / nH;
  const I = config.intermediate_size;
  const V = config.vocab_size;
  const L = config.num_hidden_layers;
  if (!Number.isInteger(D)) throw new Error(`hidden_size ${H} is not a multiple of num_attention_heads ${nH}`);
  if (nH % nKV !== 0) throw new Error(`num_attention_heads ${nH} is not a multiple of num_key_value_heads ${nKV}`);
  const rep = nH / nKV;

  const Q4_BLOCK = 32;
  const weight = (name: string, rows: number, cols: number): Float32Array => {
    const w = weights.get(name);
    if (!w) throw new Error(`missing tensor '${name}'`);
    if (w.length !== rows * cols) throw new Error(`tensor '${name}' has ${w.length} values, expected [${rows}, ${cols}]`);
    return w;
  };

  const g = new GraphBuilder();

  /** A float32 vector initializer (norm weights). */
  const vector = (name: string, n: number): string => g.initializer(name, DataType.FLOAT, [n], weight(name, 1, n));

  /**
   * A projection `y = x · Wᵀ` for an HF `[out, in]` weight: stored as `[in, out]` and used by MatMul.
   * Returns the name of a float32 `[in, out]` value.
   */
  const matmulWeight = (name: string, out: number, inp: number): string => {
    const wt = transpose2d(weight(name, out, inp), out, inp); // [in, out]
    if (format === 'fp32') return g.initializer(name, DataType.FLOAT, [inp, out], wt);
    if (format === 'fp16') {
      const stored = g.initializer(`${name}_fp16`, DataType.FLOAT16, [inp, out], opts.float32ToFloat16!(wt));
      return g.node('Cast', [stored], { to: DataType.FLOAT });
    }
    const { q, scale } = quantizeInt8PerChannel(wt, inp, out, 1);
    const qName = g.initializer(`${name}_quantized`, DataType.INT8, [inp, out], q);
    const sName = g.initializer(`${name}_scale`, DataType.FLOAT, [out], scale);
    return g.node('DequantizeLinear', [qName, sName], { axis: 1 });
  };

  /**
   * `y = x · Wᵀ` for the HF `[out, in]` weight `name`: MatMul over the stored `[in, out]` matrix, or MatMulNBits
   * directly over the `[out, in]` 4-bit blocks for `q4`.
   */
  const linear = (x: string, name: string, out: number, inp: number): string => {
    if (format !== 'q4') return g.node('MatMul', [x, matmulWeight(name, out, inp)]);
    return matMulNBits(x, name, weight(name, out, inp), out, inp);
  };

  const matMulNBits = (x: string, name: string, w: Float32Array, n: number, k: number): string => {
    const { packed, scales, kBlocks } = quantizeInt4Blocks(w, n, k, Q4_BLOCK);
    const bName = g.initializer(`${name}_q4`, DataType.UINT8, [n, kBlocks, Q4_BLOCK / 2], packed);
    const sName = g.initializer(`${name}_q4_scales`, DataType.FLOAT, [n * kBlocks], scales);
    usesMsDomain = true;
    return g.nodeMulti('MatMulNBits', [x, bName, sName], 1, { K: k, N: n, bits: 4, block_size: Q4_BLOCK }, 'com.microsoft')[0]!;
  };
  let usesMsDomain = false;

  /** A `[rows, cols]` table kept in HF layout (embedding, LM head); int8 quantized per row. */
  const tableWeight = (name: string, rows: number, cols: number): string => {
    const w = weight(name, rows, cols);
    if (format === 'fp32') return g.initializer(name, DataType.FLOAT, [rows, cols], w);
    if (format === 'fp16' || format === 'q4') {
      const stored = g.initializer(`${name}_fp16`, DataType.FLOAT16, [rows, cols], opts.float32ToFloat16!(w));
      return g.node('Cast', [stored], { to: DataType.FLOAT });
    }
    const { q, scale } = quantizeInt8PerChannel(w, rows, cols, 0);
    const qName = g.initializer(`${name}_quantized`, DataType.INT8, [rows, cols], q);
    const sName = g.initializer(`${name}_scale`, DataType.FLOAT, [rows], scale);
    return g.node('DequantizeLinear', [qName, sName], { axis: 0 });
  };

  // ---- inputs ----
  const inputIds = g.input('input_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const attentionMask = g.input('attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', DataType.INT64, ['batch_size', 'sequence_length']);
  const pastKeys: string[] = [];
  const pastValues: string[] = [];
  for (let i = 0; i < L; i++) {
    pastKeys.push(g.input(`past_key_values.${i}.key`, DataType.FLOAT, ['batch_size', nKV, 'past_sequence_length', D]));
    pastValues.push(g.input(`past_key_values.${i}.value`, DataType.FLOAT, ['batch_size', nKV, 'past_sequence_length', D]));
  }

  // ---- common constants ----
  const axes0 = g.constInt64('axes0', [0]);
  const axes1 = g.constInt64('axes1', [1]);
  const eps = g.constFloat('rms_norm_eps', config.rms_norm_eps);
  const one = g.constFloat('one', 1);
  const two = g.constFloat('two', 2);
  const scaleQK = g.constFloat('attn_scale', 1 / Math.sqrt(D));
  const maskBias = g.constFloat('mask_bias', MASK_BIAS);
  const splitHalves = g.constInt64('rope_split', [D / 2, D / 2]);
  const shapeBSHD = (heads: number) => g.constInt64(`shape_bs${heads}d`, [0, 0, heads, D]);
  const shapeQ = shapeBSHD(nH);
  const shapeKV = shapeBSHD(nKV);
  const shapeBSH = g.constInt64('shape_bsh', [0, 0, nH * D]);

  // ---- token embedding (int32 ids) ----
  const ids32 = g.node('Cast', [inputIds], { to: DataType.INT32 });
  const embed = tableWeight('model.embed_tokens.weight', V, H);
  let hidden = g.node('Gather', [embed, ids32], { axis: 0 }); // [B, S, H]

  // ---- RoPE tables gathered by position ----
  const { cos, sin } = ropeTables(config.max_position_embeddings, D, config.rope_theta);
  const cosTable = g.initializer('rope.cos', DataType.FLOAT, [config.max_position_embeddings, D], cos);
  // sin with its first half negated: rotate_half(x)·sin = concat(x2, x1)·sinSigned, without a Neg node (exact)
  const sinSigned = Float32Array.from(sin, (v, j) => (j % D < D / 2 ? -v : v));
  const sinTable = g.initializer('rope.sin_signed', DataType.FLOAT, [config.max_position_embeddings, D], sinSigned);
  const pos32 = g.node('Cast', [positionIds], { to: DataType.INT32 });
  const cosBS = g.node('Unsqueeze', [g.node('Gather', [cosTable, pos32], { axis: 0 }), axes1]); // [B, 1, S, D]
  const sinBS = g.node('Unsqueeze', [g.node('Gather', [sinTable, pos32], { axis: 0 }), axes1]);

  // ---- attention bias [B, 1, S, T]: 0 where allowed, MASK_BIAS elsewhere ----
  // Causal part from absolute indices: query i (i in past..total-1) sees key j when j <= i.
  const maskShape = g.node('Shape', [attentionMask]);
  const idsShape = g.node('Shape', [inputIds]);
  const idx1 = g.initializer(g.fresh('idx1'), DataType.INT64, [], BigInt64Array.of(1n));
  const total64 = g.node('Gather', [maskShape, idx1], { axis: 0 }); // scalar T
  const seq64 = g.node('Gather', [idsShape, idx1], { axis: 0 }); // scalar S
  const total32 = g.node('Cast', [total64], { to: DataType.INT32 });
  const past32 = g.node('Cast', [g.node('Sub', [total64, seq64])], { to: DataType.INT32 });
  const zero32 = g.constInt32('zero_i32', 0);
  const one32 = g.constInt32('one_i32', 1);
  const keyIdx = g.node('Unsqueeze', [g.node('Range', [zero32, total32, one32]), axes0]); // [1, T]
  const queryIdx = g.node('Unsqueeze', [g.node('Range', [past32, total32, one32]), axes1]); // [S, 1]
  const causal = g.node('Cast', [g.node('LessOrEqual', [keyIdx, queryIdx])], { to: DataType.FLOAT }); // [S, T]
  const padding = g.node('Unsqueeze', [g.node('Cast', [attentionMask], { to: DataType.FLOAT }), g.constInt64('axes12', [1, 2])]); // [B,1,1,T]
  const allowed = g.node('Mul', [causal, padding]); // [B, 1, S, T], 1 or 0
  const attnBias = g.node('Mul', [g.node('Sub', [one, allowed]), maskBias]); // 0 where allowed, MASK_BIAS elsewhere

  /**
   * RMSNorm `w * x / sqrt(mean(x²) + eps)` written as `Pow → ReduceMean → Add → Sqrt → Div → Mul`, the pattern
   * onnxruntime's SimplifiedLayerNormFusion turns into one `SimplifiedLayerNormalization` kernel.
   */
  const rmsNorm = (x: string, weightName: string): string => {
    const w = vector(weightName, H);
    const variance = g.node('ReduceMean', [g.node('Pow', [x, two])], { axes: [-1], keepdims: 1 });
    const rms = g.node('Sqrt', [g.node('Add', [variance, eps])]);
    return g.node('Mul', [g.node('Div', [x, rms]), w]);
  };

  const rope = (x: string): string => {
    const [x1, x2] = g.nodeMulti('Split', [x, splitHalves], 2, { axis: -1 });
    const rotated = g.node('Concat', [x2!, x1!], { axis: -1 });
    return g.node('Add', [g.node('Mul', [x, cosBS]), g.node('Mul', [rotated, sinBS])]);
  };

  // Grouped-query attention without repeating the KV heads (transformers' `repeat_kv`): the `rep` query heads that
  // share KV head j (heads j·rep … j·rep+rep-1) become `rep·S` rows of group j, `[B, nH, S, D]` → `[B, nKV, rep·S, D]`,
  // so each group multiplies its own keys and values once; the attention bias is tiled to `rep·S` rows to match.
  const groupQ = rep === 1 ? undefined : g.constInt64('shape_group_q', [0, nKV, -1, D]);
  const ungroup = rep === 1 ? undefined : g.constInt64('shape_ungroup', [0, nH, -1, D]);
  const groupBias = rep === 1 ? attnBias : g.node('Tile', [attnBias, g.constInt64('tile_bias', [1, 1, rep, 1])]); // [B, 1, rep·S, T]

  for (let i = 0; i < L; i++) {
    const p = `model.layers.${i}`;
    // --- self-attention ---
    const xn = rmsNorm(hidden, `${p}.input_layernorm.weight`);
    const q = linear(xn, `${p}.self_attn.q_proj.weight`, nH * D, H);
    const k = linear(xn, `${p}.self_attn.k_proj.weight`, nKV * D, H);
    const v = linear(xn, `${p}.self_attn.v_proj.weight`, nKV * D, H);
    const toHeads = (t: string, shape: string) => g.node('Transpose', [g.node('Reshape', [t, shape])], { perm: [0, 2, 1, 3] });
    const qh = rope(toHeads(q, shapeQ)); // [B, nH, S, D]
    const kh = rope(toHeads(k, shapeKV)); // [B, nKV, S, D]
    const vh = toHeads(v, shapeKV);
    const presentK = g.node('Concat', [pastKeys[i]!, kh], { axis: 2 }, `present.${i}.key`);
    const presentV = g.node('Concat', [pastValues[i]!, vh], { axis: 2 }, `present.${i}.value`);
    const qg = groupQ ? g.node('Reshape', [qh, groupQ]) : qh; // [B, nKV, rep·S, D]
    const scores = g.node('Mul', [g.node('MatMul', [qg, g.node('Transpose', [presentK], { perm: [0, 1, 3, 2] })]), scaleQK]);
    const probs = g.node('Softmax', [g.node('Add', [scores, groupBias])], { axis: -1 }); // [B, nKV, rep·S, T]
    const ctxg = g.node('MatMul', [probs, presentV]); // [B, nKV, rep·S, D]
    const ctxh = ungroup ? g.node('Reshape', [ctxg, ungroup]) : ctxg; // [B, nH, S, D]
    const ctx = g.node('Reshape', [g.node('Transpose', [ctxh], { perm: [0, 2, 1, 3] }), shapeBSH]);
    const attnOut = linear(ctx, `${p}.self_attn.o_proj.weight`, H, nH * D);
    hidden = g.node('Add', [hidden, attnOut]);
    // --- SwiGLU MLP ---
    const xm = rmsNorm(hidden, `${p}.post_attention_layernorm.weight`);
    const gate = linear(xm, `${p}.mlp.gate_proj.weight`, I, H);
    const up = linear(xm, `${p}.mlp.up_proj.weight`, I, H);
    const act = g.node('Mul', [g.node('Mul', [gate, g.node('Sigmoid', [gate])]), up]);
    const down = linear(act, `${p}.mlp.down_proj.weight`, H, I);
    hidden = g.node('Add', [hidden, down]);
  }

  // ---- final norm and LM head (Gemm with transB over the [vocab, hidden] table; MatMulNBits for q4) ----
  const hn = rmsNorm(hidden, 'model.norm.weight');
  let logits: string;
  if (format === 'q4') {
    const headName = config.tie_word_embeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
    logits = matMulNBits(hn, config.tie_word_embeddings ? 'lm_head.tied' : headName, weight(headName, V, H), V, H);
  } else {
    const head = config.tie_word_embeddings ? embed : tableWeight('lm_head.weight', V, H);
    const flat = g.node('Reshape', [hn, g.constInt64('shape_flat', [-1, H])]);
    const logits2d = g.node('Gemm', [flat, head], { transB: 1 });
    const logitsShape = g.node('Concat', [idsShape, g.constInt64('vocab', [V])], { axis: 0 });
    logits = g.node('Reshape', [logits2d, logitsShape]);
  }

  g.output('logits', logits, DataType.FLOAT, ['batch_size', 'sequence_length', V]);
  for (let i = 0; i < L; i++) {
    g.output(`present.${i}.key`, `present.${i}.key`, DataType.FLOAT, ['batch_size', nKV, 'total_sequence_length', D]);
    g.output(`present.${i}.value`, `present.${i}.value`, DataType.FLOAT, ['batch_size', nKV, 'total_sequence_length', D]);
  }
  return g.toModel({
    graphName: 'tinyzh_llama_decoder',
    opset: 17,
    producerVersion: opts.producerVersion ?? '0.1.0',
    docString: `LlamaForCausalLM decoder with KV cache; weights ${format}`,
    metadata: { 'tinyzh.weight_format': format },
    extraOpsets: usesMsDomain ? [{ domain: 'com.microsoft', version: 1 }] : [],
  });
}
