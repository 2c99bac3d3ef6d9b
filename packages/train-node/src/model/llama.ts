import * as tf from '@tensorflow/tfjs-core';
import { registerGradients } from './gradients.js';
import type { LlamaConfig } from '@tinyzh/core';
import { llamaTensorSpecs } from '@tinyzh/core';
import { attention, type AttentionContext } from './attention.js';
import { crossEntropy } from './cross-entropy.js';
import { embedding } from './embedding.js';
import { linear } from './linear.js';
import { swiGluMlp } from './mlp.js';
import { rmsNorm } from './rms-norm.js';
import { ropeTables } from './rope.js';

let nextModelId = 0;

/** One parameter: its HF name, shape and the tfjs variable that holds it. */
export interface Param { name: string; shape: number[]; variable: tf.Variable }

/**
 * A Llama decoder (Touvron et al. 2023) in tfjs, laid out exactly as Hugging Face `LlamaForCausalLM`
 * (docs/formats.md "Model weights"): token embedding → N × [RMSNorm → GQA attention with RoPE → residual →
 * RMSNorm → SwiGLU → residual] → RMSNorm → LM head (tied to the embedding unless `tie_word_embeddings` is false).
 *
 * The weights live in tfjs variables; {@link getWeights}/{@link setWeights} move them as Float32Arrays in HF names.
 */
export class LlamaModel {
  readonly config: LlamaConfig;
  readonly params: Param[];
  private byName: Map<string, tf.Variable>;
  private ctx: { key: string; value: AttentionContext } | undefined;

  /** Create variables (zeros) for every tensor of `config`; call {@link setWeights} or an initializer next. */
  constructor(config: LlamaConfig) {
    if (config.hidden_size % config.num_attention_heads !== 0 && !config.head_dim) throw new Error('hidden_size must be divisible by num_attention_heads');
    if (config.num_attention_heads % config.num_key_value_heads !== 0) throw new Error('num_attention_heads must be a multiple of num_key_value_heads');
    registerGradients();
    this.config = config;
    const modelId = nextModelId++;
    this.params = llamaTensorSpecs(config).map((s) => ({ name: s.name, shape: s.shape, variable: tf.variable(tf.zeros(s.shape), true, `llama${modelId}/${s.name}`) }));
    this.byName = new Map(this.params.map((p) => [p.name, p.variable]));
  }

  /** The variable named `name` (HF name); throws if absent. */
  get(name: string): tf.Variable {
    const v = this.byName.get(name);
    if (!v) throw new Error(`no parameter named ${name}`);
    return v;
  }

  /** Number of scalar parameters (tied head counted once). */
  numParameters(): number {
    return this.params.reduce((a, p) => a + p.shape.reduce((x, y) => x * y, 1), 0);
  }

  /** Copy weights in (HF names → float32 data in `[out, in]` layout). Throws naming a missing or mis-sized tensor. */
  setWeights(weights: Map<string, Float32Array> | Record<string, Float32Array>): void {
    const get = (n: string) => (weights instanceof Map ? weights.get(n) : weights[n]);
    for (const p of this.params) {
      const data = get(p.name);
      if (!data) throw new Error(`weights lack tensor ${p.name}`);
      const size = p.shape.reduce((a, b) => a * b, 1);
      if (data.length !== size) throw new Error(`tensor ${p.name} has ${data.length} values, expected ${size} (shape [${p.shape}])`);
      // copy: the cpu backend would otherwise keep `data` itself, which the optimizer mutates in place
      tf.tidy(() => p.variable.assign(tf.tensor(data.slice(), p.shape, 'float32')));
    }
  }

  /** Read all weights to the host, in parameter order. */
  async getWeights(): Promise<Map<string, Float32Array>> {
    const data = await Promise.all(this.params.map((p) => p.variable.data() as Promise<Float32Array>));
    return new Map(this.params.map((p, i) => [p.name, data[i]!]));
  }

  private context(B: number, T: number): AttentionContext {
    const key = `${B}x${T}`;
    if (this.ctx?.key === key) return this.ctx.value;
    if (this.ctx) {
      const v = this.ctx.value;
      tf.dispose([v.cos, v.sin, v.mask]);
    }
    const c = this.config;
    const hd = c.head_dim;
    const { cos, sin } = ropeTables(T, hd, c.rope_theta);
    const mask = new Float32Array(T * T);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
    const value: AttentionContext = {
      batch: B, seq: T, numHeads: c.num_attention_heads, numKvHeads: c.num_key_value_heads, headDim: hd,
      cos: tf.keep(tf.tensor3d(cos, [T, 1, hd])), sin: tf.keep(tf.tensor3d(sin, [T, 1, hd])), mask: tf.keep(tf.tensor2d(mask, [T, T])),
    };
    this.ctx = { key, value };
    return value;
  }

  /**
   * Forward pass. `ids` int32 `[B·T]` (row-major `[B, T]`) → logits `[B·T, vocab]`.
   * Positions restart at 0 in each row.
   */
  forward(ids: tf.Tensor1D, B: number, T: number): tf.Tensor2D {
    const c = this.config;
    const ctx = this.context(B, T);
    return tf.tidy(() => {
      let h = embedding(ids, this.get('model.embed_tokens.weight') as tf.Tensor2D);
      for (let i = 0; i < c.num_hidden_layers; i++) {
        const p = `model.layers.${i}.`;
        const g = (n: string) => this.get(p + n) as tf.Tensor2D;
        const a = attention(rmsNorm(h, this.get(`${p}input_layernorm.weight`) as tf.Tensor1D, c.rms_norm_eps), {
          q: g('self_attn.q_proj.weight'), k: g('self_attn.k_proj.weight'), v: g('self_attn.v_proj.weight'), o: g('self_attn.o_proj.weight'),
        }, ctx);
        h = tf.add(h, a);
        const m = swiGluMlp(rmsNorm(h, this.get(`${p}post_attention_layernorm.weight`) as tf.Tensor1D, c.rms_norm_eps), {
          gate: g('mlp.gate_proj.weight'), up: g('mlp.up_proj.weight'), down: g('mlp.down_proj.weight'),
        });
        h = tf.add(h, m);
      }
      h = rmsNorm(h, this.get('model.norm.weight') as tf.Tensor1D, c.rms_norm_eps);
      const head = c.tie_word_embeddings ? this.get('model.embed_tokens.weight') : this.get('lm_head.weight');
      return linear(h, head as tf.Tensor2D);
    });
  }

  /** Mean next-token cross-entropy (nats) of `targets` int32 `[B·T]` given `ids` `[B·T]`. */
  loss(ids: tf.Tensor1D, targets: tf.Tensor1D, B: number, T: number): tf.Scalar {
    return tf.tidy(() => crossEntropy(this.forward(ids, B, T), targets));
  }

  /**
   * Loss and gradients of one micro-batch. `tokens` holds `B` rows of `T + 1` tokens (inputs are the first `T`,
   * targets the last `T`). Returns the loss (nats) and one float32 gradient per parameter, in {@link params} order.
   */
  async lossAndGrads(tokens: Int32Array, B: number, T: number): Promise<{ loss: number; grads: Float32Array[] }> {
    const { ids, targets } = splitWindows(tokens, B, T);
    try {
      const { value, grads } = tf.variableGrads(() => this.loss(ids, targets, B, T), this.params.map((p) => p.variable));
      // async reads: the webgpu backend cannot read synchronously in Node (no OffscreenCanvas)
      const [lossData, ...out] = (await Promise.all([value, ...this.params.map((p) => grads[p.variable.name]!)].map((t) => t.data()))) as Float32Array[];
      const loss = lossData![0]!;
      value.dispose();
      tf.dispose(Object.values(grads));
      return { loss, grads: out };
    } finally {
      ids.dispose();
      targets.dispose();
    }
  }

  /** Loss (nats) of `B` rows of `T + 1` tokens, without gradients. */
  async evalLoss(tokens: Int32Array, B: number, T: number): Promise<number> {
    const { ids, targets } = splitWindows(tokens, B, T);
    try {
      const l = this.loss(ids, targets, B, T);
      const v = (await l.data())[0]!;
      l.dispose();
      return v;
    } finally {
      ids.dispose();
      targets.dispose();
    }
  }

  /** Free every tensor this model holds. */
  dispose(): void {
    for (const p of this.params) p.variable.dispose();
    if (this.ctx) tf.dispose([this.ctx.value.cos, this.ctx.value.sin, this.ctx.value.mask]);
    this.ctx = undefined;
  }
}

/** Split `B` rows of `T + 1` tokens into inputs `[B·T]` and next-token targets `[B·T]`. */
export function splitWindows(tokens: Int32Array, B: number, T: number): { ids: tf.Tensor1D; targets: tf.Tensor1D } {
  if (tokens.length !== B * (T + 1)) throw new Error(`expected ${B} × ${T + 1} tokens, got ${tokens.length}`);
  const ids = new Int32Array(B * T);
  const tg = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    ids.set(tokens.subarray(b * (T + 1), b * (T + 1) + T), b * T);
    tg.set(tokens.subarray(b * (T + 1) + 1, (b + 1) * (T + 1)), b * T);
  }
  return { ids: tf.tensor1d(ids, 'int32'), targets: tf.tensor1d(tg, 'int32') };
}
