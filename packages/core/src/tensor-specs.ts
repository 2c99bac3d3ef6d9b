/**
 * The parameter tensors of a Llama model under Hugging Face names, in PyTorch `[out_features, in_features]` layout
 * (the table in docs/formats.md "Model weights").
 * @packageDocumentation
 */
import { validateLlamaConfig, type LlamaConfig } from './config.js';

/** Name and shape of one parameter tensor. */
export interface TensorSpec {
  name: string;
  shape: number[];
}

/**
 * Every parameter of `LlamaForCausalLM` in `state_dict` order: `model.embed_tokens.weight`, then per layer `i`
 * `self_attn.{q,k,v,o}_proj`, `mlp.{gate,up,down}_proj`, `input_layernorm`, `post_attention_layernorm`, then
 * `model.norm.weight` and, only when `tie_word_embeddings` is false, `lm_head.weight`.
 * @throws {ConfigError} when `config` is invalid
 */
export function llamaTensorSpecs(config: LlamaConfig): TensorSpec[] {
  validateLlamaConfig(config, 'llamaTensorSpecs');
  const d = config.hidden_size;
  const q = config.num_attention_heads * config.head_dim;
  const kv = config.num_key_value_heads * config.head_dim;
  const ff = config.intermediate_size;
  const specs: TensorSpec[] = [{ name: 'model.embed_tokens.weight', shape: [config.vocab_size, d] }];
  for (let i = 0; i < config.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    specs.push(
      { name: `${p}self_attn.q_proj.weight`, shape: [q, d] },
      { name: `${p}self_attn.k_proj.weight`, shape: [kv, d] },
      { name: `${p}self_attn.v_proj.weight`, shape: [kv, d] },
      { name: `${p}self_attn.o_proj.weight`, shape: [d, q] },
      { name: `${p}mlp.gate_proj.weight`, shape: [ff, d] },
      { name: `${p}mlp.up_proj.weight`, shape: [ff, d] },
      { name: `${p}mlp.down_proj.weight`, shape: [d, ff] },
      { name: `${p}input_layernorm.weight`, shape: [d] },
      { name: `${p}post_attention_layernorm.weight`, shape: [d] },
    );
  }
  specs.push({ name: 'model.norm.weight', shape: [d] });
  if (!config.tie_word_embeddings) specs.push({ name: 'lm_head.weight', shape: [config.vocab_size, d] });
  return specs;
}

/** Number of elements of a shape (1 for `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Number of trainable parameters (a tied head counted once), the sum of {@link llamaTensorSpecs} sizes.
 * @throws {ConfigError} when `config` is invalid
 */
export function countParameters(config: LlamaConfig): number {
  let n = 0;
  for (const s of llamaTensorSpecs(config)) n += numel(s.shape);
  return n;
}
