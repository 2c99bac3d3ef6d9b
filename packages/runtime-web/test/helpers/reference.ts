/**
 * Reference greedy decoding with onnxruntime-node (native CPU) on the same ONNX file: the whole sequence is run
 * again at every step with an empty KV cache, so it checks the runtime's KV-cache path too. `prompt` starts with
 * `</s>` (id 2), as the runtime's prompts do (docs/formats.md "Prompts").
 */
import * as ort from 'onnxruntime-node';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Ids of the model folder's tokenizer.json (max id + 1): the runtime never samples past them (padding ids). */
function tokenizerVocab(onnxPath: string): number {
  const t = JSON.parse(readFileSync(join(dirname(onnxPath), '..', 'tokenizer.json'), 'utf8'));
  const ids = [...Object.values(t.model.vocab as Record<string, number>), ...(t.added_tokens ?? []).map((a: { id: number }) => a.id)];
  return Math.max(...ids) + 1;
}

export async function referenceGreedy(
  onnxPath: string,
  cfg: { num_hidden_layers: number; num_key_value_heads: number; head_dim: number; eos_token_id: number },
  prompt: readonly number[],
  maxNewTokens: number,
  maxPositions = Infinity,
): Promise<number[]> {
  const session = await ort.InferenceSession.create(readFileSync(onnxPath));
  const sampled = tokenizerVocab(onnxPath);
  const history = [...prompt];
  const out: number[] = [];
  // The runtime's sliding window (generate.ts): the prompt keeps room for new tokens; past the window, the most
  // recent half is kept.
  const promptRoom = maxPositions - Math.min(Math.max(maxNewTokens, 1), Math.floor(maxPositions / 2));
  let start = history.length > promptRoom ? history.length - promptRoom : 0;
  try {
    for (let s = 0; s < maxNewTokens; s++) {
      if (history.length - start > maxPositions) start = history.length - Math.floor(maxPositions / 2);
      const ids = history.slice(start);
      const n = ids.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, n]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, n]),
      };
      for (let i = 0; i < cfg.num_hidden_layers; i++) {
        for (const kv of ['key', 'value']) {
          feeds[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, cfg.num_key_value_heads, 0, cfg.head_dim]);
        }
      }
      const r = await session.run(feeds);
      const logits = r.logits!.data as Float32Array;
      const vocab = r.logits!.dims[2]!;
      const row = logits.subarray((n - 1) * vocab, n * vocab);
      let best = 0;
      for (let i = 1; i < Math.min(vocab, sampled); i++) if (row[i]! > row[best]!) best = i;
      if (best === cfg.eos_token_id) break;
      out.push(best);
      history.push(best);
    }
  } finally {
    await session.release();
  }
  return out;
}
