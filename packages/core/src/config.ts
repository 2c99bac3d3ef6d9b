/**
 * The Llama model configuration, with the field names of Hugging Face `transformers`' `LlamaConfig`
 * (https://huggingface.co/docs/transformers/model_doc/llama#transformers.LlamaConfig), so a config round-trips through
 * `config.json`.
 *
 * The architecture these fields describe: token embedding; `num_hidden_layers` pre-norm blocks of RMSNorm
 * (Zhang & Sennrich 2019, https://arxiv.org/abs/1910.07467) → grouped-query attention (Ainslie et al. 2023,
 * https://arxiv.org/abs/2305.13245) with rotary position embeddings (RoPE, Su et al. 2021,
 * https://arxiv.org/abs/2104.09864; Hugging Face "rotate-half" layout) → RMSNorm → SwiGLU MLP (Shazeer 2020,
 * https://arxiv.org/abs/2002.05202); final RMSNorm; output head (tied to the embedding or not); no biases.
 * @packageDocumentation
 */
import { ConfigError } from './errors.js';
import { PRESETS, type PresetName, isPresetName } from './presets.js';

/** Hyper-parameters of a Llama decoder, named as in Hugging Face `LlamaConfig`. */
export interface LlamaConfig {
  /** Number of token ids (rows of the embedding), filled from the tokenizer by callers. */
  vocab_size: number;
  /** Model width `d_model` (embedding size, residual stream width). */
  hidden_size: number;
  /** Inner width of the SwiGLU MLP (gate/up projections output this many features). */
  intermediate_size: number;
  /** Number of decoder blocks. */
  num_hidden_layers: number;
  /** Number of query heads. */
  num_attention_heads: number;
  /** Number of key/value heads (grouped-query attention); divides `num_attention_heads`. Equal means plain MHA. */
  num_key_value_heads: number;
  /** Per-head width; tinyzh requires `head_dim × num_attention_heads = hidden_size`, and even (RoPE rotates pairs). */
  head_dim: number;
  /** Epsilon inside RMSNorm's square root. */
  rms_norm_eps: number;
  /** RoPE base θ: frequency of pair `i` is `rope_theta^(-2i / head_dim)`. */
  rope_theta: number;
  /** Longest sequence (tokens) the model is trained for; the context window. */
  max_position_embeddings: number;
  /** When true the output head reuses `model.embed_tokens.weight` and there is no `lm_head.weight`. */
  tie_word_embeddings: boolean;
  /** Beginning-of-sequence token id (`<s>`, 1 in tinyzh tokenizers). */
  bos_token_id: number;
  /** End-of-sequence token id (`</s>`, 2 in tinyzh tokenizers). */
  eos_token_id: number;
  /** Padding token id (`<pad>`, 3 in tinyzh tokenizers), when there is one. */
  pad_token_id?: number;
}

/** Integer fields that must be ≥ 1. */
const POSITIVE_INTS = [
  'vocab_size',
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'max_position_embeddings',
] as const;

function at(source: string | undefined): string {
  return source ? ` in ${source}` : '';
}

function bad(field: string, message: string, source?: string): never {
  throw new ConfigError(`config${at(source)}: "${field}" ${message}`, source, field);
}

/**
 * Checks the invariants of a complete config: positive integer sizes, `num_key_value_heads` divides
 * `num_attention_heads`, `head_dim × num_attention_heads = hidden_size`, `head_dim` even, positive finite
 * `rms_norm_eps` and `rope_theta`, boolean `tie_word_embeddings`, special token ids inside the vocabulary.
 * @param source file or origin named in the error message
 * @throws {ConfigError} naming the first offending field and the source
 */
export function validateLlamaConfig(config: LlamaConfig, source?: string): LlamaConfig {
  if (config === null || typeof config !== 'object') throw new ConfigError(`config${at(source)}: expected a JSON object`, source);
  const c = config as unknown as Record<string, unknown>;
  for (const f of POSITIVE_INTS) {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) bad(f, `must be a positive integer, got ${JSON.stringify(v)}`, source);
  }
  if (config.num_attention_heads % config.num_key_value_heads !== 0) {
    bad('num_key_value_heads', `(${config.num_key_value_heads}) must divide num_attention_heads (${config.num_attention_heads})`, source);
  }
  if (config.head_dim * config.num_attention_heads !== config.hidden_size) {
    bad('head_dim', `(${config.head_dim}) × num_attention_heads (${config.num_attention_heads}) must equal hidden_size (${config.hidden_size})`, source);
  }
  if (config.head_dim % 2 !== 0) bad('head_dim', `(${config.head_dim}) must be even: RoPE rotates pairs of features`, source);
  for (const f of ['rms_norm_eps', 'rope_theta'] as const) {
    const v = c[f];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) bad(f, `must be a positive number, got ${JSON.stringify(v)}`, source);
  }
  if (config.rms_norm_eps >= 1) bad('rms_norm_eps', `(${config.rms_norm_eps}) must be small (< 1)`, source);
  if (typeof config.tie_word_embeddings !== 'boolean') bad('tie_word_embeddings', `must be true or false, got ${JSON.stringify(c.tie_word_embeddings)}`, source);
  for (const f of ['bos_token_id', 'eos_token_id', 'pad_token_id'] as const) {
    const v = c[f];
    if (f === 'pad_token_id' && v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v >= config.vocab_size) {
      bad(f, `must be a token id in [0, vocab_size = ${config.vocab_size}), got ${JSON.stringify(v)}`, source);
    }
  }
  return config;
}

function tokenId(json: Record<string, unknown>, field: string, fallback: number | undefined, source?: string): number | undefined {
  let v = json[field];
  if (v === undefined || v === null) return fallback;
  if (Array.isArray(v)) {
    if (v.length !== 1) bad(field, `lists ${v.length} ids; tinyzh supports exactly one`, source);
    v = v[0];
  }
  return v as number;
}

/**
 * Reads a Hugging Face `config.json` (already JSON-parsed) of a Llama model into a validated {@link LlamaConfig}.
 *
 * Missing optional fields take `LlamaConfig`'s defaults: `num_key_value_heads = num_attention_heads`,
 * `head_dim = hidden_size / num_attention_heads`, `rms_norm_eps = 1e-6`, `rope_theta = 10000` (also read from
 * transformers v5's `rope_parameters.rope_theta`), `max_position_embeddings = 2048`, `tie_word_embeddings = false`,
 * `bos_token_id = 1`, `eos_token_id = 2`. Other keys (`architectures`, `torch_dtype`, `transformers_version`, …) are
 * ignored, except those that would change the architecture: `model_type` must be `"llama"`, `hidden_act` `"silu"`,
 * `attention_bias` / `mlp_bias` false, `rope_scaling` absent or default.
 *
 * @param json the parsed `config.json`
 * @param source the file it came from, named in errors
 * @throws {ConfigError} naming the field and the source
 */
export function parseLlamaConfig(json: unknown, source: string): LlamaConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new ConfigError(`config${at(source)}: expected a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}`, source);
  }
  const j = json as Record<string, unknown>;
  if (j.model_type !== undefined && j.model_type !== 'llama') bad('model_type', `must be "llama", got ${JSON.stringify(j.model_type)}`, source);
  if (j.architectures !== undefined) {
    if (!Array.isArray(j.architectures) || !j.architectures.includes('LlamaForCausalLM')) {
      bad('architectures', `must include "LlamaForCausalLM", got ${JSON.stringify(j.architectures)}`, source);
    }
  }
  if (j.hidden_act !== undefined && j.hidden_act !== 'silu') bad('hidden_act', `must be "silu" (SwiGLU), got ${JSON.stringify(j.hidden_act)}`, source);
  for (const f of ['attention_bias', 'mlp_bias']) {
    if (j[f] !== undefined && j[f] !== false) bad(f, `must be false: tinyzh Llama models have no biases`, source);
  }
  const ropeParams = j.rope_parameters as Record<string, unknown> | undefined | null;
  for (const f of ['rope_scaling', 'rope_parameters']) {
    const r = j[f] as Record<string, unknown> | undefined | null;
    if (r === undefined || r === null) continue;
    if (typeof r !== 'object' || Array.isArray(r)) bad(f, `must be an object or null`, source);
    const type = r.rope_type ?? r.type;
    if (type !== undefined && type !== 'default') bad(f, `rope type ${JSON.stringify(type)} is not supported (only plain RoPE)`, source);
  }
  for (const f of ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads']) {
    if (j[f] === undefined || j[f] === null) bad(f, `is missing`, source);
  }
  const heads = j.num_attention_heads as number;
  let headDim = j.head_dim as number | undefined | null;
  if (headDim === undefined || headDim === null) {
    if (typeof heads === 'number' && typeof j.hidden_size === 'number' && heads > 0 && (j.hidden_size as number) % heads !== 0) {
      bad('num_attention_heads', `(${heads}) must divide hidden_size (${j.hidden_size as number}) when head_dim is not given`, source);
    }
    headDim = (j.hidden_size as number) / heads;
  }
  const config: LlamaConfig = {
    vocab_size: j.vocab_size as number,
    hidden_size: j.hidden_size as number,
    intermediate_size: j.intermediate_size as number,
    num_hidden_layers: j.num_hidden_layers as number,
    num_attention_heads: heads,
    num_key_value_heads: (j.num_key_value_heads ?? heads) as number,
    head_dim: headDim,
    rms_norm_eps: (j.rms_norm_eps ?? 1e-6) as number,
    rope_theta: (j.rope_theta ?? ropeParams?.rope_theta ?? 10000) as number,
    max_position_embeddings: (j.max_position_embeddings ?? 2048) as number,
    tie_word_embeddings: (j.tie_word_embeddings ?? false) as boolean,
    bos_token_id: tokenId(j, 'bos_token_id', 1, source)!,
    eos_token_id: tokenId(j, 'eos_token_id', 2, source)!,
  };
  const pad = tokenId(j, 'pad_token_id', undefined, source);
  if (pad !== undefined) config.pad_token_id = pad;
  return validateLlamaConfig(config, source);
}

/**
 * Builds a config from a preset name or a (partial) config object, then applies `overrides`, and validates.
 *
 * - `base` a preset name ({@link PRESETS}): that preset. An object: read like `config.json` by
 *   {@link parseLlamaConfig} (so a parsed file works; reading the file is the caller's job — this package has no
 *   file-system access).
 * - `overrides` replace fields; when they change `hidden_size` or `num_attention_heads` without `head_dim`, `head_dim`
 *   is recomputed as `hidden_size / num_attention_heads`.
 * @param source named in errors (defaults to the preset name or `"config"`)
 * @throws {ConfigError} for an unknown preset name or an invalid result
 */
export function resolveConfig(
  base: PresetName | string | Partial<LlamaConfig> | Record<string, unknown>,
  overrides?: Partial<LlamaConfig>,
  source?: string,
): LlamaConfig {
  let start: Record<string, unknown>;
  let src = source;
  if (typeof base === 'string') {
    if (!isPresetName(base)) {
      throw new ConfigError(
        `unknown preset "${base}" (presets: ${Object.keys(PRESETS).join(', ')}); to use a config.json, read and JSON-parse it, then pass the object`,
        source,
        'preset',
      );
    }
    start = { ...PRESETS[base] };
    src ??= `preset "${base}"`;
  } else {
    start = { ...(base as Record<string, unknown>) };
  }
  src ??= 'config';
  const o = { ...(overrides ?? {}) } as Record<string, unknown>;
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  if (('hidden_size' in o || 'num_attention_heads' in o) && !('head_dim' in o)) delete start.head_dim;
  if ('num_attention_heads' in o && !('num_key_value_heads' in o)) {
    const kv = start.num_key_value_heads as number | undefined;
    if (kv !== undefined && (o.num_attention_heads as number) % kv !== 0) delete start.num_key_value_heads;
  }
  return parseLlamaConfig({ ...start, ...o }, src);
}

/** Options of {@link toHfConfigJson}. */
export interface HfConfigOptions {
  /** The `torch_dtype` the weights are stored in (default `"float32"`). */
  torchDtype?: 'float32' | 'float16' | 'bfloat16';
}

/**
 * The `config.json` object for `transformers`' `LlamaForCausalLM` (and transformers.js). Round-trips:
 * `parseLlamaConfig(toHfConfigJson(c), …)` deep-equals `c`.
 * @throws {ConfigError} when `config` is invalid
 */
export function toHfConfigJson(config: LlamaConfig, options: HfConfigOptions = {}): Record<string, unknown> {
  validateLlamaConfig(config, 'toHfConfigJson');
  const out: Record<string, unknown> = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: config.vocab_size,
    hidden_size: config.hidden_size,
    intermediate_size: config.intermediate_size,
    num_hidden_layers: config.num_hidden_layers,
    num_attention_heads: config.num_attention_heads,
    num_key_value_heads: config.num_key_value_heads,
    head_dim: config.head_dim,
    hidden_act: 'silu',
    max_position_embeddings: config.max_position_embeddings,
    initializer_range: 0.02,
    rms_norm_eps: config.rms_norm_eps,
    rope_theta: config.rope_theta,
    rope_scaling: null,
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    pretraining_tp: 1,
    tie_word_embeddings: config.tie_word_embeddings,
    bos_token_id: config.bos_token_id,
    eos_token_id: config.eos_token_id,
    use_cache: true,
    torch_dtype: options.torchDtype ?? 'float32',
  };
  if (config.pad_token_id !== undefined) out.pad_token_id = config.pad_token_id;
  return out;
}
