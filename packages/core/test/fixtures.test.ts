/**
 * Golden fixtures made by scripts/make-fixtures.py with the reference Python packages (safetensors 0.8, numpy,
 * ml_dtypes, transformers 5): see that script for what each file holds.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRESETS, countParameters, fromFloat32, llamaTensorSpecs, parseLlamaConfig, readSafetensors, toFloat32, toHfConfigJson, writeSafetensors } from '../src/index.js';
// @ts-expect-error plain .mjs helper shared with scripts/write-ts-fixture.mjs
import { tensorsFromValues } from './fixtures/tensors-from-values.mjs';

const fix = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const values = JSON.parse(readFileSync(join(fix, 'values.json'), 'utf8'));
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

describe('safetensors against Python', () => {
  it('reads the file Python wrote: same dtypes, shapes, bytes and metadata', () => {
    const bytes = new Uint8Array(readFileSync(join(fix, 'python-written.safetensors')));
    const { tensors, metadata } = readSafetensors(bytes, 'python-written.safetensors');
    expect(metadata).toEqual(values.metadata);
    expect([...tensors.keys()].sort()).toEqual(Object.keys(values.expected).sort());
    for (const [name, e] of Object.entries(values.expected as Record<string, { dtype: string; shape: number[]; hex: string }>)) {
      const t = tensors.get(name)!;
      expect({ name, dtype: t.dtype, shape: t.shape, hex: hex(t.data) }).toEqual({ name, ...e });
    }
    const f32 = toFloat32(tensors.get('f32')!);
    expect([...f32].map((x) => (Object.is(x, -0) ? '-0' : x))).toEqual([0, '-0', Math.fround(1 / 3), -2.5, Math.fround(1e-40), Math.fround(3.4e38), Infinity, -Infinity]);
    expect(toFloat32(tensors.get('scalar')!)[0]).toBe(42);
    const i64 = new DataView(tensors.get('i64')!.data.slice().buffer);
    expect([i64.getBigInt64(0, true), i64.getBigInt64(8, true), i64.getBigInt64(16, true)]).toEqual([-(2n ** 63n), 2n ** 63n - 1n, 1n]);
  });

  it('rounds to F16 exactly as numpy and to BF16 exactly as ml_dtypes', () => {
    const ours = tensorsFromValues(values, fromFloat32);
    expect(hex(ours.f16.data)).toBe(values.expected.f16.hex);
    expect(hex(ours.bf16.data)).toBe(values.expected.bf16.hex);
  });

  it('writes byte-for-byte the file that Python was checked to load (scripts/make-fixtures.py)', () => {
    const committed = new Uint8Array(readFileSync(join(fix, 'ts-written.safetensors')));
    expect(hex(writeSafetensors(tensorsFromValues(values, fromFloat32), values.metadata))).toBe(hex(committed));
  });
});

describe('config against transformers LlamaForCausalLM', () => {
  const hf = JSON.parse(readFileSync(join(fix, 'hf-llama.json'), 'utf8'));
  const committedConfigs = JSON.parse(readFileSync(join(fix, 'ts-configs.json'), 'utf8'));

  for (const name of Object.keys(PRESETS) as (keyof typeof PRESETS)[]) {
    it(`${name}: same parameters, names and shapes; reads back the config.json transformers saves`, () => {
      const ref = hf.presets[name];
      const c = PRESETS[name];
      expect(JSON.parse(JSON.stringify(toHfConfigJson(c)))).toEqual(committedConfigs[name]);
      expect(countParameters(c)).toBe(ref.num_parameters);
      const hfSpecs = (ref.state_dict as [string, number[]][]).filter(([n]) => !(c.tie_word_embeddings && n === 'lm_head.weight'));
      expect(llamaTensorSpecs(c).map((s) => [s.name, s.shape])).toEqual(hfSpecs);
      expect(parseLlamaConfig(ref.saved_config, `transformers ${hf.transformers_version} config.json`)).toEqual({ ...c });
    });
  }
});
