/**
 * Stand-in for the parts of `@tinyzh/core` that train-node uses (config, presets, tensor specs, safetensors),
 * with the same names and signatures as the core API. Replaced by re-exports from `@tinyzh/core` once that
 * package is published in the workspace.
 */
export interface LlamaConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  rms_norm_eps: number;
  rope_theta: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  bos_token_id: number;
  eos_token_id: number;
  pad_token_id?: number;
}

/** Hugging Face Llama tensor names and `[out, in]` shapes (docs/formats.md "Model weights"). */
export function llamaTensorSpecs(c: LlamaConfig): { name: string; shape: number[] }[] {
  const hd = c.head_dim;
  const specs: { name: string; shape: number[] }[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocab_size, c.hidden_size] }];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    specs.push(
      { name: `${p}input_layernorm.weight`, shape: [c.hidden_size] },
      { name: `${p}self_attn.q_proj.weight`, shape: [c.num_attention_heads * hd, c.hidden_size] },
      { name: `${p}self_attn.k_proj.weight`, shape: [c.num_key_value_heads * hd, c.hidden_size] },
      { name: `${p}self_attn.v_proj.weight`, shape: [c.num_key_value_heads * hd, c.hidden_size] },
      { name: `${p}self_attn.o_proj.weight`, shape: [c.hidden_size, c.num_attention_heads * hd] },
      { name: `${p}post_attention_layernorm.weight`, shape: [c.hidden_size] },
      { name: `${p}mlp.gate_proj.weight`, shape: [c.intermediate_size, c.hidden_size] },
      { name: `${p}mlp.up_proj.weight`, shape: [c.intermediate_size, c.hidden_size] },
      { name: `${p}mlp.down_proj.weight`, shape: [c.hidden_size, c.intermediate_size] },
    );
  }
  specs.push({ name: 'model.norm.weight', shape: [c.hidden_size] });
  if (!c.tie_word_embeddings) specs.push({ name: 'lm_head.weight', shape: [c.vocab_size, c.hidden_size] });
  return specs;
}

export type DType = 'F32' | 'F16' | 'BF16' | 'I8' | 'U8' | 'I32' | 'I64';
export interface TensorData { dtype: DType; shape: number[]; data: Uint8Array }

const BYTES: Record<DType, number> = { F32: 4, F16: 2, BF16: 2, I8: 1, U8: 1, I32: 4, I64: 8 };

/** Parse a safetensors file (https://github.com/huggingface/safetensors). Throws naming `source` on a bad header. */
export function readSafetensors(input: Uint8Array, source = 'safetensors'): { tensors: Map<string, TensorData>; metadata: Record<string, string> } {
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength); // a Node Buffer's slice() is a view
  if (bytes.length < 8) throw new Error(`${source}: too short for a safetensors file`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`${source}: header length ${n} exceeds the file size`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, any>;
  const tensors = new Map<string, TensorData>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = info; continue; }
    const [a, b] = info.data_offsets as [number, number];
    tensors.set(name, { dtype: info.dtype, shape: info.shape, data: bytes.slice(8 + n + a, 8 + n + b) });
  }
  return { tensors, metadata };
}

/** Serialize tensors to safetensors bytes: names sorted, header padded with spaces to 8 bytes. */
export function writeSafetensors(tensors: Record<string, TensorData> | Map<string, TensorData>, metadata?: Record<string, string>): Uint8Array {
  const entries = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const [name, t] of entries) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.data.byteLength] };
    off += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const [, t] of entries) { out.set(t.data, p); p += t.data.byteLength; }
  return out;
}

/** Decode F32 tensor bytes (only F32 is needed by training). */
export function toFloat32(t: TensorData): Float32Array {
  if (t.dtype !== 'F32') throw new Error(`expected an F32 tensor, got ${t.dtype}`);
  const copy = new Uint8Array(t.data.byteLength);
  copy.set(t.data);
  return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
}

export function fromFloat32(a: Float32Array, shape: number[]): TensorData {
  return { dtype: 'F32', shape, data: new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength)) };
}
void BYTES;
