/**
 * llama2.c checkpoint (`.bin`, the "legacy" version-0 layout read by karpathy/llama2.c `run.c`):
 *
 * ```
 * int32 × 7   dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative: separate classifier), seq_len
 * float32     token_embedding [vocab, dim]
 *             rms_att [L, dim], wq [L, dim, dim], wk [L, kv_dim, dim], wv [L, kv_dim, dim], wo [L, dim, dim]
 *             rms_ffn [L, dim], w1 [L, hidden, dim], w2 [L, dim, hidden], w3 [L, hidden, dim]
 *             rms_final [dim], freq_cis_real [seq_len, head_size/2], freq_cis_imag [seq_len, head_size/2]
 *             wcls [vocab, dim] (only when vocab_size is negative)
 * ```
 * All matrices in PyTorch `[out, in]` row-major order (llama2.c `export.py`, `legacy_export`).
 *
 * RoPE layouts differ: llama2.c rotates interleaved pairs `(2i, 2i+1)` of each head, Hugging Face rotates halves
 * `(i, i + D/2)`. transformers' `convert_llama_weights_to_hf.py` permutes q/k rows with
 * `w.view(n_heads, D/2, 2, in).transpose(1, 2)`; {@link unpermuteRope} is its inverse, applied to `q_proj`/`k_proj`.
 * `run.c` hard-codes RoPE θ = 10000 and RMSNorm ε = 1e-5: other values are reported as warnings.
 */
import type { LlamaConfig } from '@tinyzh/core';

/**
 * HF rotate-half row order → interleaved (Meta / llama2.c) row order, per head:
 * `out[h·D + 2i + j] = w[h·D + j·D/2 + i]` for `j ∈ {0, 1}`, `i < D/2`.
 * @param w `[nHeads·D, cols]` row-major
 */
export function unpermuteRope(w: Float32Array, nHeads: number, headDim: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < nHeads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const src = (h * headDim + j * half + i) * cols;
        const dst = (h * headDim + 2 * i + j) * cols;
        out.set(w.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

/** Inverse of {@link unpermuteRope}: interleaved (llama2.c) rows → HF rotate-half rows. */
export function permuteRope(w: Float32Array, nHeads: number, headDim: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  const half = headDim / 2;
  for (let h = 0; h < nHeads; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < half; i++) {
        const src = (h * headDim + 2 * i + j) * cols;
        const dst = (h * headDim + j * half + i) * cols;
        out.set(w.subarray(src, src + cols), dst);
      }
    }
  }
  return out;
}

/**
 * Serialises a model as a llama2.c `.bin`.
 * @param weights float32 weights by HF name (docs/formats.md)
 * @returns the file bytes and warnings about settings `run.c` cannot honour
 */
export function llama2cBin(config: LlamaConfig, weights: ReadonlyMap<string, Float32Array>): { bytes: Uint8Array; warnings: string[] } {
  const warnings: string[] = [];
  if (config.rope_theta !== 10000) warnings.push(`rope_theta is ${config.rope_theta}; llama2.c run.c uses 10000`);
  if (Math.abs(config.rms_norm_eps - 1e-5) > 1e-12) warnings.push(`rms_norm_eps is ${config.rms_norm_eps}; llama2.c run.c uses 1e-5`);
  const dim = config.hidden_size;
  const L = config.num_hidden_layers;
  const D = config.head_dim;
  const seqLen = config.max_position_embeddings;
  const get = (name: string): Float32Array => {
    const w = weights.get(name);
    if (!w) throw new Error(`missing tensor '${name}'`);
    return w;
  };
  const chunks: Float32Array[] = [];
  chunks.push(get('model.embed_tokens.weight'));
  const perLayer = (f: (i: number) => Float32Array) => {
    for (let i = 0; i < L; i++) chunks.push(f(i));
  };
  const layer = (i: number, n: string) => get(`model.layers.${i}.${n}.weight`);
  perLayer((i) => layer(i, 'input_layernorm'));
  perLayer((i) => unpermuteRope(layer(i, 'self_attn.q_proj'), config.num_attention_heads, D, dim));
  perLayer((i) => unpermuteRope(layer(i, 'self_attn.k_proj'), config.num_key_value_heads, D, dim));
  perLayer((i) => layer(i, 'self_attn.v_proj'));
  perLayer((i) => layer(i, 'self_attn.o_proj'));
  perLayer((i) => layer(i, 'post_attention_layernorm'));
  perLayer((i) => layer(i, 'mlp.gate_proj'));
  perLayer((i) => layer(i, 'mlp.down_proj'));
  perLayer((i) => layer(i, 'mlp.up_proj'));
  chunks.push(get('model.norm.weight'));
  // freq_cis tables (run.c skips them; written for compatibility with readers that use them).
  const half = D / 2;
  const real = new Float32Array(seqLen * half);
  const imag = new Float32Array(seqLen * half);
  for (let p = 0; p < seqLen; p++) {
    for (let i = 0; i < half; i++) {
      const f = p / Math.pow(10000, (2 * i) / D);
      real[p * half + i] = Math.cos(f);
      imag[p * half + i] = Math.sin(f);
    }
  }
  chunks.push(real, imag);
  if (!config.tie_word_embeddings) chunks.push(get('lm_head.weight'));

  const floats = chunks.reduce((n, c) => n + c.length, 0);
  const bytes = new Uint8Array(7 * 4 + floats * 4);
  const view = new DataView(bytes.buffer);
  const header = [
    dim,
    config.intermediate_size,
    L,
    config.num_attention_heads,
    config.num_key_value_heads,
    config.tie_word_embeddings ? config.vocab_size : -config.vocab_size,
    seqLen,
  ];
  header.forEach((v, i) => view.setInt32(i * 4, v, true));
  let off = 28;
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++) view.setFloat32(off + i * 4, c[i]!, true);
    off += c.length * 4;
  }
  return { bytes, warnings };
}

/**
 * llama2.c `tokenizer.bin` (read by `run.c`'s `build_tokenizer`): `int32 max_token_length`, then for each of the
 * model's `vocabSize` ids `float32 score, int32 length, length bytes of UTF-8`. Token strings come from
 * `tokenizer.json` (`model.vocab` and `added_tokens`; ids without a token get an empty string). `run.c` merges the
 * adjacent pair whose concatenation has the highest score, so merged tokens get `-rank` of their BPE merge (earlier
 * merges win, as in BPE) and every other token 0.
 *
 * Limits of `run.c` with tinyzh tokenizers: its encoder prepends a " " token and maps unknown bytes to id `byte + 3`
 * (tinyzh's byte tokens are ids 12..267), so prompts with characters outside the vocabulary encode wrongly; decoding
 * (`<0xNN>` byte tokens included) is exact.
 * @throws Error when the text is not a BPE tokenizer.json
 */
export function llama2cTokenizerBin(tokenizerJsonText: string, vocabSize: number): Uint8Array {
  const tok = JSON.parse(tokenizerJsonText) as {
    model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
    added_tokens?: { id: number; content: string }[];
  };
  if (!tok.model?.vocab || Array.isArray(tok.model.vocab)) throw new Error('tokenizer.json: model.vocab is missing (not a BPE tokenizer)');
  const strings: string[] = new Array(vocabSize).fill('');
  for (const [s, id] of Object.entries(tok.model.vocab)) if (id < vocabSize) strings[id] = s;
  for (const t of tok.added_tokens ?? []) if (t.id < vocabSize) strings[t.id] = t.content;
  const scores = new Float32Array(vocabSize);
  (tok.model.merges ?? []).forEach((m, rank) => {
    const [a, b] = typeof m === 'string' ? (m.split(' ') as [string, string]) : m;
    const id = tok.model!.vocab![a + b];
    if (id !== undefined && id < vocabSize) scores[id] = 0 - rank;
  });
  const enc = new TextEncoder();
  const bytes = strings.map((s) => enc.encode(s));
  const maxLen = bytes.reduce((m, b) => Math.max(m, b.length), 0);
  const out = new Uint8Array(4 + bytes.reduce((n, b) => n + 8 + b.length, 0));
  const view = new DataView(out.buffer);
  view.setInt32(0, maxLen, true);
  let off = 4;
  bytes.forEach((b, i) => {
    view.setFloat32(off, scores[i]!, true);
    view.setInt32(off + 4, b.length, true);
    out.set(b, off + 8);
    off += 8 + b.length;
  });
  return out;
}
