/**
 * The small JSON files of a Hugging Face model folder besides `config.json`: `tokenizer_config.json` (read by
 * transformers' and transformers.js' `AutoTokenizer`) and `generation_config.json` (`GenerationConfig`).
 */
import type { LlamaConfig } from '@tinyzh/core';

/** Token strings of the special ids, looked up in `tokenizer.json` (`added_tokens`, then `model.vocab`). */
function tokenById(tokenizerJson: Record<string, unknown>, id: number | undefined, fallback: string): string | null {
  if (id === undefined) return null;
  const added = tokenizerJson.added_tokens as { id: number; content: string }[] | undefined;
  const hit = added?.find((t) => t.id === id);
  if (hit) return hit.content;
  const vocab = (tokenizerJson.model as { vocab?: Record<string, number> } | undefined)?.vocab;
  if (vocab && !Array.isArray(vocab)) {
    for (const [tok, i] of Object.entries(vocab)) if (i === id) return tok;
  }
  return fallback;
}

/**
 * `tokenizer_config.json` for a tinyzh tokenizer (docs/formats.md "Tokenizer"): `PreTrainedTokenizerFast` (the
 * tokenizer is fully described by `tokenizer.json`, whose post-processor adds no `<s>`), the special tokens by their
 * strings, `clean_up_tokenization_spaces: false` (clean-up would change decoded text), `model_max_length` = the
 * context window, and `padding_side: "left"` (batched generation pads on the left).
 * @param tokenizerJsonText the `tokenizer.json` text shipped beside it
 */
export function tokenizerConfigJson(config: LlamaConfig, tokenizerJsonText: string): Record<string, unknown> {
  const tok = JSON.parse(tokenizerJsonText) as Record<string, unknown>;
  const unk = (tok.model as { unk_token?: string } | undefined)?.unk_token;
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: tokenById(tok, config.bos_token_id, '<s>'),
    eos_token: tokenById(tok, config.eos_token_id, '</s>'),
    unk_token: unk ?? '<unk>',
    pad_token: tokenById(tok, config.pad_token_id, '<pad>'),
    clean_up_tokenization_spaces: false,
    model_max_length: config.max_position_embeddings,
    padding_side: 'left',
  };
}

/**
 * Number of ids a `tokenizer.json` can produce: 1 + the largest id in `model.vocab` and `added_tokens`.
 * @throws Error when the text is not a tokenizer.json with a vocabulary
 */
export function tokenizerIdCount(tokenizerJsonText: string): number {
  const tok = JSON.parse(tokenizerJsonText) as { model?: { vocab?: Record<string, number> }; added_tokens?: { id: number }[] };
  const vocab = tok.model?.vocab;
  if (!vocab || typeof vocab !== 'object' || Array.isArray(vocab)) throw new Error('tokenizer.json has no model.vocab object');
  let max = -1;
  for (const id of Object.values(vocab)) if (id > max) max = id;
  for (const t of tok.added_tokens ?? []) if (t.id > max) max = t.id;
  return max + 1;
}

/** `generation_config.json`: the special ids and the context window as `max_length`. */
export function generationConfigJson(config: LlamaConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    bos_token_id: config.bos_token_id,
    eos_token_id: config.eos_token_id,
    max_length: config.max_position_embeddings,
  };
  if (config.pad_token_id !== undefined) out.pad_token_id = config.pad_token_id;
  return out;
}
