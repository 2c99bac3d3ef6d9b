/**
 * Python `transformers` reads the exported folder: `AutoConfig` gives a `LlamaConfig` with our sizes and
 * `AutoTokenizer` encodes like `@tinyzh/tokenizer`. Optional: skipped when `python3 -c "import transformers"` fails
 * (it is not a CI requirement; the onnxruntime and transformers.js tests cover the folder without Python).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { FIXTURES } from './ort-helpers.js';

const hasTransformers = spawnSync('python3', ['-c', 'import transformers'], { encoding: 'utf8', timeout: 60_000 }).status === 0;
const folder = join(FIXTURES, 'tiny-random');

const SCRIPT = `
import json, sys
from transformers import AutoConfig, AutoTokenizer
c = AutoConfig.from_pretrained(sys.argv[1])
t = AutoTokenizer.from_pretrained(sys.argv[1])
print(json.dumps({"type": type(c).__name__, "kv": c.num_key_value_heads, "head_dim": c.head_dim, "tie": c.tie_word_embeddings,
                  "ids": t(sys.argv[2])["input_ids"], "special": [t.bos_token, t.eos_token, t.unk_token, t.pad_token]}))
`;

test.skipIf(!hasTransformers)('transformers AutoConfig and AutoTokenizer load the exported folder', async () => {
  const text = '从前有一个小女孩，她喜欢在花园里玩。';
  const r = spawnSync('python3', ['-c', SCRIPT, folder, text], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stderr).toBe(0);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  const config = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8'));
  expect(out).toMatchObject({ type: 'LlamaConfig', kv: config.num_key_value_heads, head_dim: config.head_dim, tie: true, special: ['<s>', '</s>', '<unk>', '<pad>'] });
  const { Tokenizer } = await import('@tinyzh/tokenizer');
  const tok = await Tokenizer.fromJSON(readFileSync(join(folder, 'tokenizer.json'), 'utf8'));
  expect(out.ids).toEqual(Array.from(tok.encode(text)));
  tok.dispose();
});
