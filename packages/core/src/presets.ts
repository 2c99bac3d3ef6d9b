/**
 * Named model shapes. `vocab_size` in each is a placeholder for parameter counts: callers replace it with the
 * tokenizer's vocabulary size (`resolveConfig('tiny', { vocab_size })`). Special ids follow the tinyzh tokenizer
 * (`<s>` 1, `</s>` 2, `<pad>` 3; see docs/formats.md).
 * @packageDocumentation
 */
import type { LlamaConfig } from './config.js';

/** Names of the built-in presets. */
export type PresetName = 'tiny' | 'small' | 'stories15m' | 'seed-44m';

const common = { rms_norm_eps: 1e-5, rope_theta: 10000, bos_token_id: 1, eos_token_id: 2, pad_token_id: 3 } as const;

/**
 * Built-in shapes (parameter counts from {@link countParameters} at the vocab sizes given here):
 *
 * - `tiny` — 4 layers, width 128, 4 query heads sharing 2 KV heads (GQA, head_dim 32), SwiGLU width 352, context 256,
 *   tied head: 1,262,720 parameters at vocab 4096. Sized to train on 2 CPU cores within an hour.
 * - `small` — 8 layers, width 256, 8 query / 4 KV heads (head_dim 32), SwiGLU width 704, context 512, tied:
 *   6,951,168 parameters at vocab 4096.
 * - `stories15m` — llama2.c's `stories15M` shape (dim 288, 6 layers, 6 heads, hidden_dim 768, max_seq_len 256,
 *   shared classifier): 15,191,712 parameters at llama2.c's vocab 32000.
 * - `seed-44m` — the seed project's litgpt "microstories" shape (n_embd 512, 6 layers, intermediate 768, block 512,
 *   untied head as litgpt does). The seed used 6 heads, but 512 is not divisible by 6, which `head_dim` needs
 *   (`head_dim × heads = hidden_size`, and RoPE needs it even): this preset uses 8 heads × head_dim 64, the usual
 *   Llama head width, keeping every other size. 46,144,000 parameters at vocab 32000 (44,096,000 at vocab 30000).
 */
export const PRESETS: Readonly<Record<PresetName, Readonly<LlamaConfig>>> = Object.freeze({
  tiny: Object.freeze({
    vocab_size: 4096,
    hidden_size: 128,
    intermediate_size: 352,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    head_dim: 32,
    max_position_embeddings: 256,
    tie_word_embeddings: true,
    ...common,
  }),
  small: Object.freeze({
    vocab_size: 4096,
    hidden_size: 256,
    intermediate_size: 704,
    num_hidden_layers: 8,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    head_dim: 32,
    max_position_embeddings: 512,
    tie_word_embeddings: true,
    ...common,
  }),
  stories15m: Object.freeze({
    vocab_size: 32000,
    hidden_size: 288,
    intermediate_size: 768,
    num_hidden_layers: 6,
    num_attention_heads: 6,
    num_key_value_heads: 6,
    head_dim: 48,
    max_position_embeddings: 256,
    tie_word_embeddings: true,
    ...common,
  }),
  'seed-44m': Object.freeze({
    vocab_size: 32000,
    hidden_size: 512,
    intermediate_size: 768,
    num_hidden_layers: 6,
    num_attention_heads: 8,
    num_key_value_heads: 8,
    head_dim: 64,
    max_position_embeddings: 512,
    tie_word_embeddings: false,
    ...common,
  }),
});

/** True when `name` is a key of {@link PRESETS}. */
export function isPresetName(name: string): name is PresetName {
  return Object.prototype.hasOwnProperty.call(PRESETS, name);
}
