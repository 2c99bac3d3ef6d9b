/**
 * The exported folder loads in transformers.js (`AutoModelForCausalLM` + `AutoTokenizer` from the local folder, no
 * network) and its greedy generation of 50 tokens equals our own greedy loop over onnxruntime-node.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers';
import { run as exportCmd } from '../../src/commands/export.js';
import { dimsOf, FIXTURES, greedy, ort } from './ort-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tinyzh-tfjs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('transformers.js greedy generation of 50 tokens equals ours token for token (plain, and repetition penalty 1.3)', async () => {
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
  const enc = tokenizer('从前有一个小女孩');
  const prompt = Array.from(enc.input_ids.data as BigInt64Array, Number);
  expect(prompt[0]).toBe(1); // <s> added by the tokenizer's post-processor
  expect(tokenizer.decode(prompt, { skip_special_tokens: true })).toBe('从前有一个小女孩');

  const model = await AutoModelForCausalLM.from_pretrained('tiny-random', { dtype: 'fp32', device: 'cpu' });
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
  const session = await ort.InferenceSession.create(join(folder, 'onnx', 'model.onnx'));
  for (const penalty of [1, 1.3]) {
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
    if (penalty > 1) expect(new Set(ours).size).toBeGreaterThan(5);
  }
  await model.dispose();
});
