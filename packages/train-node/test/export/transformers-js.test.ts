/**
 * The exported folder loads in transformers.js (`AutoModelForCausalLM` + `AutoTokenizer` from the local folder, no
 * network) and its greedy generation of 50 tokens equals our own greedy loop over onnxruntime-node.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env } from '@huggingface/transformers';
import { run as exportCmd } from '../../src/commands/export.js';
import { dimsOf, FIXTURES, greedy, ort } from './ort-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tinyzh-tfjs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('transformers.js greedy generation of 50 tokens equals ours token for token (plain, and repetition penalty 1.5)', async () => {
  const folder = join(tmp, 'tiny-random');
  const err = console.error;
  console.error = () => {};
  try {
    await exportCmd(['--checkpoint', join(FIXTURES, 'tiny'), '--out', folder, '--onnx', 'fp32']);
  } finally {
    console.error = err;
  }
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = tmp;

  const tokenizer = await AutoTokenizer.from_pretrained('tiny-random');
  const encoded = Array.from(tokenizer('从前有一个小女孩').input_ids.data as BigInt64Array, Number);
  expect(tokenizer.decode(encoded)).toBe('从前有一个小女孩');
  const { Tokenizer } = await import('@tinyzh/tokenizer');
  const tinyzhTok = await Tokenizer.fromJSON(readFileSync(join(folder, 'tokenizer.json'), 'utf8'));
  expect(Array.from(tinyzhTok.encode('从前有一个小女孩'))).toEqual(encoded);
  tinyzhTok.dispose();
  const prompt = [2, ...encoded]; // stories follow </s> in tinyzh training data (no <s>)
  const enc = {
    input_ids: new Tensor('int64', BigInt64Array.from(prompt.map(BigInt)), [1, prompt.length]),
    attention_mask: new Tensor('int64', BigInt64Array.from(prompt.map(() => 1n)), [1, prompt.length]),
  };

  const model = await AutoModelForCausalLM.from_pretrained('tiny-random', { dtype: 'fp32', device: 'cpu' });
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
  const session = await ort.InferenceSession.create(join(folder, 'onnx', 'model.onnx'));
  for (const penalty of [1, 1.5]) {
    const generated = (await model.generate({
      ...enc,
      max_new_tokens: 50,
      do_sample: false,
      repetition_penalty: penalty,
    })) as { tolist(): bigint[][] };
    const theirs = generated.tolist()[0]!.map(Number).slice(prompt.length);
    const ours = await greedy(session, dimsOf(config), prompt, 50, penalty);
    expect(theirs, `repetition_penalty ${penalty}`).toEqual(ours);
    expect(theirs).toHaveLength(50);
    // The random model repeats itself under plain greedy decoding; with the penalty it must visit many tokens.
    if (penalty > 1) expect(new Set(ours).size, ours.join(" ")).toBeGreaterThan(5);
  }
  await model.dispose();
});

test('with a real tinyzh tokenizer: AutoTokenizer encodes like @tinyzh/tokenizer, and generation matches ours', async () => {
  const { Tokenizer } = await import('@tinyzh/tokenizer');
  const { fromFloat32, llamaTensorSpecs, toHfConfigJson, writeSafetensors, PRESETS } = await import('@tinyzh/core');
  const tokenizerJson = readFileSync(join(import.meta.dirname, '..', '..', '..', 'tokenizer-wasm', 'test', 'fixtures', 'tokenizer.json'), 'utf8');
  const ours = await Tokenizer.fromJSON(tokenizerJson);
  // A random one-layer model over that vocabulary (deterministic LCG weights).
  const config = { ...PRESETS.tiny, vocab_size: ours.vocabSize, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, head_dim: 16, max_position_embeddings: 128 };
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 2;
  const tensors = new Map(llamaTensorSpecs(config).map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return [s.name, fromFloat32(Float32Array.from({ length: n }, () => (s.shape.length === 1 ? 1 : 0.5 * rnd())), s.shape)];
  }));
  const ckpt = join(tmp, 'real-tok-ckpt');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(ckpt, { recursive: true });
  writeFileSync(join(ckpt, 'config.json'), JSON.stringify(toHfConfigJson(config)));
  writeFileSync(join(ckpt, 'model.safetensors'), writeSafetensors(tensors));
  writeFileSync(join(ckpt, 'tokenizer.json'), tokenizerJson);
  const err = console.error;
  console.error = () => {};
  try {
    await exportCmd(['--checkpoint', ckpt, '--out', join(tmp, 'real-tok'), '--onnx', 'fp32']);
  } finally {
    console.error = err;
  }
  env.allowRemoteModels = false;
  env.localModelPath = tmp;
  const tokenizer = await AutoTokenizer.from_pretrained('real-tok');
  const text = '从前，有一个小女孩叫莉莉。她喜欢在公园里玩。Lily said: "Hi!" 123';
  const theirIds = Array.from(tokenizer(text).input_ids.data as BigInt64Array, Number);
  expect(theirIds).toEqual(Array.from(ours.encode(text)));
  const prompt = [2, ...theirIds]; // a story starts after </s> in the training data
  const model = await AutoModelForCausalLM.from_pretrained('real-tok', { dtype: 'fp32', device: 'cpu' });
  const input_ids = new Tensor('int64', BigInt64Array.from(prompt.map(BigInt)), [1, prompt.length]);
  const attention_mask = new Tensor('int64', BigInt64Array.from(prompt.map(() => 1n)), [1, prompt.length]);
  const generated = (await model.generate({ input_ids, attention_mask, max_new_tokens: 30, do_sample: false, repetition_penalty: 1.2 })) as { tolist(): bigint[][] };
  const theirs = generated.tolist()[0]!.map(Number).slice(prompt.length);
  await model.dispose();
  const session = await ort.InferenceSession.create(join(tmp, 'real-tok', 'onnx', 'model.onnx'));
  const mine = await greedy(session, dimsOf(config as unknown as Record<string, number>), prompt, 30, 1.2);
  expect(theirs.slice(0, mine.length)).toEqual(mine.slice(0, theirs.length));
  expect(mine.length).toBe(30);
  // Round trip of real text (random generated ids can hold invalid byte sequences, which transformers.js decodes
  // differently from the Rust tokenizers: one U+FFFD per byte there, lossy UTF-8 here).
  expect(tokenizer.decode(theirIds)).toBe(text);
  expect(ours.decode(theirIds)).toBe(text);
  ours.dispose();
});
