import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  PRESETS,
  countParameters,
  llamaTensorSpecs,
  parseLlamaConfig,
  resolveConfig,
  toHfConfigJson,
  type LlamaConfig,
} from '../src/index.js';

function expectConfigError(fn: () => unknown, field: string, source: string) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).field).toBe(field);
    expect((e as Error).message).toContain(field);
    expect((e as Error).message).toContain(source);
    return;
  }
  throw new Error('expected a ConfigError');
}

describe('presets', () => {
  it('have the documented shapes and parameter counts', () => {
    const counts = Object.fromEntries(Object.entries(PRESETS).map(([k, c]) => [k, countParameters(c)]));
    expect(counts).toEqual({ tiny: 1_262_720, small: 6_951_168, stories15m: 15_191_712, 'seed-44m': 46_144_000 });
    expect(PRESETS.stories15m).toMatchObject({ hidden_size: 288, num_hidden_layers: 6, num_attention_heads: 6, intermediate_size: 768, max_position_embeddings: 256 });
    expect(PRESETS['seed-44m']).toMatchObject({ hidden_size: 512, num_hidden_layers: 6, num_attention_heads: 8, head_dim: 64, intermediate_size: 768, max_position_embeddings: 512 });
  });

  it('stories15m matches llama2.c stories15M (15.19M parameters with the shared classifier)', () => {
    // llama2.c: dim 288, n_layers 6, n_heads 6, n_kv_heads 6, vocab 32000, hidden_dim 768 → 15,191,712
    expect(countParameters(PRESETS.stories15m)).toBe(32000 * 288 + 6 * (4 * 288 * 288 + 3 * 288 * 768 + 2 * 288) + 288);
  });

  it('every preset round-trips through config.json', () => {
    for (const [name, c] of Object.entries(PRESETS)) {
      const json = JSON.parse(JSON.stringify(toHfConfigJson(c)));
      expect(json.architectures).toEqual(['LlamaForCausalLM']);
      expect(json.model_type).toBe('llama');
      expect(parseLlamaConfig(json, `${name}/config.json`)).toEqual({ ...c });
    }
  });
});

describe('parseLlamaConfig', () => {
  const hf = () => JSON.parse(JSON.stringify(toHfConfigJson(PRESETS.tiny))) as Record<string, unknown>;

  it('applies LlamaConfig defaults to a minimal config.json', () => {
    const c = parseLlamaConfig({ vocab_size: 100, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4 }, 'min.json');
    expect(c).toEqual({
      vocab_size: 100, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 4,
      head_dim: 16, rms_norm_eps: 1e-6, rope_theta: 10000, max_position_embeddings: 2048, tie_word_embeddings: false, bos_token_id: 1, eos_token_id: 2,
    });
  });

  it('reads transformers v5 rope_parameters and single-element eos lists', () => {
    const j = hf();
    delete j.rope_theta;
    j.rope_parameters = { rope_type: 'default', rope_theta: 500000 };
    j.eos_token_id = [2];
    const c = parseLlamaConfig(j, 'v5.json');
    expect(c.rope_theta).toBe(500000);
    expect(c.eos_token_id).toBe(2);
  });

  it('names the field and the source on every violation', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ num_key_value_heads: 3 }, 'num_key_value_heads'],
      [{ head_dim: 30 }, 'head_dim'],
      [{ hidden_size: 126, num_attention_heads: 6, num_key_value_heads: 6, head_dim: 21 }, 'head_dim'],
      [{ hidden_size: 130, head_dim: undefined }, 'num_attention_heads'],
      [{ vocab_size: 0 }, 'vocab_size'],
      [{ intermediate_size: 1.5 }, 'intermediate_size'],
      [{ num_hidden_layers: '4' }, 'num_hidden_layers'],
      [{ rms_norm_eps: -1 }, 'rms_norm_eps'],
      [{ rope_theta: 0 }, 'rope_theta'],
      [{ tie_word_embeddings: 'yes' }, 'tie_word_embeddings'],
      [{ eos_token_id: 5000 }, 'eos_token_id'],
      [{ eos_token_id: [2, 3] }, 'eos_token_id'],
      [{ pad_token_id: -1 }, 'pad_token_id'],
      [{ model_type: 'gpt2' }, 'model_type'],
      [{ architectures: ['MistralForCausalLM'] }, 'architectures'],
      [{ hidden_act: 'gelu' }, 'hidden_act'],
      [{ attention_bias: true }, 'attention_bias'],
      [{ rope_scaling: { rope_type: 'linear', factor: 2 } }, 'rope_scaling'],
      [{ hidden_size: undefined }, 'hidden_size'],
    ];
    for (const [patch, field] of cases) {
      const j = { ...hf(), ...patch };
      for (const k of Object.keys(patch)) if (patch[k] === undefined) delete j[k];
      expectConfigError(() => parseLlamaConfig(j, 'runs/a/config.json'), field, 'runs/a/config.json');
    }
    expect(() => parseLlamaConfig([], 'x.json')).toThrow(/x\.json.*JSON object/);
  });
});

describe('resolveConfig', () => {
  it('takes a preset and overrides, recomputing head_dim when the width changes', () => {
    expect(resolveConfig('tiny', { vocab_size: 8000 })).toEqual({ ...PRESETS.tiny, vocab_size: 8000 });
    const c = resolveConfig('tiny', { hidden_size: 256 });
    expect(c.head_dim).toBe(64);
    expect(resolveConfig('small', { num_attention_heads: 4 }).head_dim).toBe(64);
    expect(resolveConfig('small', { num_attention_heads: 2 }).num_key_value_heads).toBe(2);
  });

  it('takes a parsed config.json object', () => {
    const json = toHfConfigJson(PRESETS.small);
    expect(resolveConfig(json, { vocab_size: 5000 }, 'in.json')).toEqual({ ...PRESETS.small, vocab_size: 5000 });
  });

  it('rejects unknown presets with the list of names', () => {
    expect(() => resolveConfig('huge')).toThrow(/unknown preset "huge".*tiny, small, stories15m, seed-44m/);
  });
});

describe('llamaTensorSpecs', () => {
  it('lists HF names and [out, in] shapes, lm_head only when untied', () => {
    const c: LlamaConfig = { ...PRESETS.tiny, vocab_size: 300 };
    const specs = llamaTensorSpecs(c);
    expect(specs.length).toBe(1 + 9 * 4 + 1);
    expect(specs[0]).toEqual({ name: 'model.embed_tokens.weight', shape: [300, 128] });
    const byName = new Map(specs.map((s) => [s.name, s.shape]));
    expect(byName.get('model.layers.3.self_attn.q_proj.weight')).toEqual([128, 128]);
    expect(byName.get('model.layers.3.self_attn.k_proj.weight')).toEqual([64, 128]);
    expect(byName.get('model.layers.3.self_attn.v_proj.weight')).toEqual([64, 128]);
    expect(byName.get('model.layers.3.self_attn.o_proj.weight')).toEqual([128, 128]);
    expect(byName.get('model.layers.0.mlp.gate_proj.weight')).toEqual([352, 128]);
    expect(byName.get('model.layers.0.mlp.down_proj.weight')).toEqual([128, 352]);
    expect(byName.get('model.layers.0.input_layernorm.weight')).toEqual([128]);
    expect(byName.get('model.norm.weight')).toEqual([128]);
    expect(byName.has('lm_head.weight')).toBe(false);
    const untied = llamaTensorSpecs({ ...c, tie_word_embeddings: false });
    expect(untied[untied.length - 1]).toEqual({ name: 'lm_head.weight', shape: [300, 128] });
  });
});
