import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LlamaConfig } from '@tinyzh/core';
import { Rng } from '../../src/train/rng.js';

/**
 * A tiny prepared-data folder (docs/formats.md "Prepared data") with a learnable token stream: "stories" of
 * 5–20 tokens from a fixed random Markov chain over ids 12…vocab−1, each followed by `</s>` (2). The tokenizer.json
 * holds only a vocabulary (enough for the vocabulary-only decoder).
 */
export function makePreparedDir(opts: { vocab?: number; trainTokens?: number; valTokens?: number; seed?: number; dtype?: 'uint16' | 'uint32' } = {}): string {
  const vocab = opts.vocab ?? 64;
  const dtype = opts.dtype ?? 'uint16';
  const rng = new Rng(opts.seed ?? 7);
  const next = Array.from({ length: vocab }, () => [12 + rng.int(vocab - 12), 12 + rng.int(vocab - 12)]);
  const stream = (n: number): { ids: number[]; docs: number } => {
    const ids: number[] = [];
    let docs = 0;
    while (ids.length < n) {
      let t = 12 + rng.int(vocab - 12);
      const len = 5 + rng.int(16);
      for (let i = 0; i < len && ids.length < n; i++) {
        ids.push(t);
        t = next[t]![rng.int(2)]!;
      }
      if (ids.length < n) ids.push(2);
      docs++;
    }
    return { ids, docs };
  };
  const dir = mkdtempSync(join(tmpdir(), 'tinyzh-prepared-'));
  mkdirSync(join(dir, 'train'));
  mkdirSync(join(dir, 'val'));
  const write = (file: string, ids: number[]) => {
    const a = dtype === 'uint16' ? Uint16Array.from(ids) : Uint32Array.from(ids);
    writeFileSync(join(dir, file), new Uint8Array(a.buffer));
  };
  const tr = stream(opts.trainTokens ?? 20000);
  const va = stream(opts.valTokens ?? 2000);
  write('train/shard-00000.bin', tr.ids);
  write('val/shard-00000.bin', va.ids);
  const v: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2, '<pad>': 3 };
  for (let i = 4; i < 12; i++) v[`<|reserved_${i - 4}|>`] = i;
  for (let i = 12; i < vocab; i++) v[String.fromCodePoint(0x4e00 + i)] = i;
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify({
    version: '1.0',
    added_tokens: [0, 1, 2, 3].map((id) => ({ id, content: ['<unk>', '<s>', '</s>', '<pad>'][id], special: true })),
    model: { type: 'BPE', vocab: v, merges: [], byte_fallback: true },
  }));
  const split = (s: { ids: number[]; docs: number }, file: string) => ({
    tokens: s.ids.length, documents: s.docs, chars: Math.round(s.ids.length * 1.3), shards: [{ file, tokens: s.ids.length, documents: s.docs }],
  });
  writeFileSync(join(dir, 'index.json'), JSON.stringify({
    format: 'tinyzh-tokens', version: 1, dtype, vocab_size: vocab, eos_id: 2,
    tokenizer: { file: 'tokenizer.json', sha256: '0'.repeat(64) },
    splits: { train: split(tr, 'train/shard-00000.bin'), val: split(va, 'val/shard-00000.bin') },
  }, null, 2));
  return dir;
}

/** A very small Llama config for fast tests. */
export function microConfig(vocab = 64): LlamaConfig {
  return {
    vocab_size: vocab, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4,
    num_key_value_heads: 2, head_dim: 8, rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 32,
    tie_word_embeddings: true, bos_token_id: 1, eos_token_id: 2, pad_token_id: 3,
  };
}
