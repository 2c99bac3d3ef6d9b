/**
 * Reading Llama weights from a folder: a tinyzh training checkpoint (docs/formats.md "Training checkpoint") or a
 * Hugging Face model folder — `config.json` plus `model.safetensors`, or shards listed in
 * `model.safetensors.index.json` (`weight_map`: tensor name → shard file), as transformers writes them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { llamaTensorSpecs, parseLlamaConfig, readSafetensors, toFloat32, type LlamaConfig, type TensorData } from '@tinyzh/core';
import { UserError } from '../errors.js';

/** A model read from disk: config, float32 weights by HF name, and the tokenizer text when the folder has one. */
export interface LoadedModel {
  /** The folder read. */
  dir: string;
  config: LlamaConfig;
  /** The parsed `config.json` as found (for fields tinyzh does not model). */
  rawConfig: Record<string, unknown>;
  /** Float32 weights by Hugging Face name, `[out, in]` layout; exactly the names of `llamaTensorSpecs(config)`. */
  weights: Map<string, Float32Array>;
  /** dtype each tensor was stored in (`F32`, `F16`, `BF16`). */
  storedDtypes: Map<string, string>;
  /** Tensors present in the file(s) but not used (e.g. `rotary_emb.inv_freq`, a tied `lm_head.weight`). */
  ignored: string[];
  /** `tokenizer.json` text, when the folder has one. */
  tokenizerJson?: string;
}

/** Reads a file into a plain `Uint8Array` (not a pooled Node `Buffer`, whose `.buffer` is shared). */
export function readBytes(path: string): Uint8Array {
  const buf = readFileSync(path);
  const out = new Uint8Array(buf.byteLength);
  out.set(buf);
  return out;
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Reads every tensor of the folder's safetensors file(s), sharded or not. */
function readAllTensors(dir: string): Map<string, TensorData> {
  const single = join(dir, 'model.safetensors');
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(single)) return readSafetensors(readBytes(single), single).tensors;
  if (existsSync(index)) {
    const j = readJson(index) as { weight_map?: Record<string, string> };
    if (!j.weight_map || typeof j.weight_map !== 'object') throw new UserError(`${index}: "weight_map" is missing`);
    const out = new Map<string, TensorData>();
    for (const shard of [...new Set(Object.values(j.weight_map))].sort()) {
      const path = join(dir, shard);
      if (!existsSync(path)) throw new UserError(`${index} lists shard ${shard}, which does not exist in ${dir}`);
      for (const [name, t] of readSafetensors(readBytes(path), path).tensors) out.set(name, t);
    }
    return out;
  }
  const bins = ['pytorch_model.bin', 'model.bin', 'consolidated.00.pth'].filter((f) => existsSync(join(dir, f)));
  if (bins.length > 0) {
    throw new UserError(`${dir} has ${bins[0]} (PyTorch pickle), which tinyzh does not read: save it as safetensors first (model.save_pretrained(dir, safe_serialization=True))`);
  }
  throw new UserError(`${dir} has no model.safetensors or model.safetensors.index.json`);
}

/** Tensors that checkpoints carry but that are not parameters (recomputed buffers). */
const KNOWN_BUFFERS = /\.rotary_emb\.inv_freq$|\.attn\.masked_bias$|\.attn\.bias$/;

/**
 * Reads `config.json` and the weights of a Llama model folder, checks every tensor `llamaTensorSpecs` expects is
 * present with its shape, and converts F16/BF16 to float32.
 * @throws UserError naming the file and the missing or mis-shaped tensors, or the config field
 */
export function loadLlamaModel(dir: string): LoadedModel {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new UserError(`${dir} has no config.json`);
  const rawConfig = readJson(configPath) as Record<string, unknown>;
  let config: LlamaConfig;
  try {
    config = parseLlamaConfig(rawConfig, configPath);
  } catch (err) {
    throw new UserError((err as Error).message, { cause: err });
  }
  let tensors: Map<string, TensorData>;
  try {
    tensors = readAllTensors(dir);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError((err as Error).message, { cause: err });
  }
  const specs = llamaTensorSpecs(config);
  const missing: string[] = [];
  const misShaped: string[] = [];
  const weights = new Map<string, Float32Array>();
  const storedDtypes = new Map<string, string>();
  for (const spec of specs) {
    const t = tensors.get(spec.name);
    if (!t) {
      missing.push(spec.name);
      continue;
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      misShaped.push(`${spec.name} is [${t.shape.join(', ')}], config.json implies [${spec.shape.join(', ')}]`);
      continue;
    }
    if (t.dtype !== 'F32' && t.dtype !== 'F16' && t.dtype !== 'BF16') {
      misShaped.push(`${spec.name} has dtype ${t.dtype}; expected F32, F16 or BF16`);
      continue;
    }
    weights.set(spec.name, toFloat32(t));
    storedDtypes.set(spec.name, t.dtype);
  }
  if (missing.length > 0) {
    const hint = missing.includes('lm_head.weight') && missing.length === 1 ? ' (config.json says tie_word_embeddings is false)' : '';
    throw new UserError(`${dir}: missing tensor${missing.length > 1 ? 's' : ''} ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? `, … (${missing.length} in all)` : ''}${hint}`);
  }
  if (misShaped.length > 0) throw new UserError(`${dir}: config/checkpoint mismatch: ${misShaped.slice(0, 5).join('; ')}`);
  const expected = new Set(specs.map((s) => s.name));
  const ignored: string[] = [];
  const unknown: string[] = [];
  for (const name of tensors.keys()) {
    if (expected.has(name)) continue;
    if (KNOWN_BUFFERS.test(name) || (name === 'lm_head.weight' && config.tie_word_embeddings)) ignored.push(name);
    else unknown.push(name);
  }
  if (unknown.length > 0) {
    throw new UserError(`${dir}: tensor${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 8).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not part of a Llama model with this config.json (a different architecture?)`);
  }
  const tokPath = join(dir, 'tokenizer.json');
  const tokenizerJson = existsSync(tokPath) ? readFileSync(tokPath, 'utf8') : undefined;
  return { dir, config, rawConfig, weights, storedDtypes, ignored, tokenizerJson };
}
