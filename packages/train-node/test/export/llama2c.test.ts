/**
 * `export --format llama2c`: the `.bin` is read back and run by a transcription of llama2.c `run.c`'s `forward()`
 * (interleaved RoPE, KV cache, one token at a time); its logits must equal the reference, which proves the header,
 * the tensor order and the q/k RoPE permutation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { run as exportCmd } from '../../src/commands/export.js';
import { readBytes } from '../../src/export/checkpoint.js';
import { llama2cTokenizerBin, permuteRope, unpermuteRope } from '../../src/export/llama2c.js';
import { existsSync, readFileSync } from 'node:fs';
import { FIXTURES, maxAbsDiff, readGolden } from './ort-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'tinyzh-l2c-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** run.c `forward()` over `tokens`, returning all logits `[tokens.length, vocab]`. */
function runC(bin: Uint8Array, tokens: number[]): { logits: Float32Array; vocab: number } {
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const [dim, hidden, L, nH, nKV, vocabSigned, seqLen] = Array.from({ length: 7 }, (_, i) => view.getInt32(i * 4, true)) as number[];
  const shared = vocabSigned! > 0;
  const V = Math.abs(vocabSigned!);
  const hs = dim! / nH!;
  const kvDim = (dim! * nKV!) / nH!;
  const f = new Float32Array(bin.buffer.slice(bin.byteOffset + 28, bin.byteOffset + bin.byteLength));
  let off = 0;
  const take = (n: number) => f.subarray(off, (off += n));
  const emb = take(V * dim!);
  const rmsAtt = take(L! * dim!), wq = take(L! * dim! * dim!), wk = take(L! * kvDim * dim!), wv = take(L! * kvDim * dim!);
  const wo = take(L! * dim! * dim!), rmsFfn = take(L! * dim!), w1 = take(L! * hidden! * dim!), w2 = take(L! * dim! * hidden!);
  const w3 = take(L! * hidden! * dim!), rmsFinal = take(dim!);
  take(seqLen! * (hs / 2) * 2);
  const wcls = shared ? emb : take(V * dim!);
  expect(off).toBe(f.length);

  const matmul = (out: Float32Array, x: Float32Array, w: Float32Array, wOff: number, n: number, d: number) => {
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += w[wOff + i * n + j]! * x[j]!;
      out[i] = s;
    }
  };
  const rmsnorm = (out: Float32Array, x: Float32Array, w: Float32Array, wOff: number) => {
    let ss = 0;
    for (let j = 0; j < dim!; j++) ss += x[j]! * x[j]!;
    ss = 1 / Math.sqrt(ss / dim! + 1e-5);
    for (let j = 0; j < dim!; j++) out[j] = w[wOff + j]! * (ss * x[j]!);
  };
  const keyCache = new Float32Array(L! * seqLen! * kvDim);
  const valueCache = new Float32Array(L! * seqLen! * kvDim);
  const x = new Float32Array(dim!), xb = new Float32Array(dim!), xb2 = new Float32Array(dim!);
  const hb = new Float32Array(hidden!), hb2 = new Float32Array(hidden!), q = new Float32Array(dim!);
  const att = new Float32Array(seqLen!);
  const logits = new Float32Array(tokens.length * V);
  tokens.forEach((token, pos) => {
    x.set(emb.subarray(token * dim!, (token + 1) * dim!));
    for (let l = 0; l < L!; l++) {
      rmsnorm(xb, x, rmsAtt, l * dim!);
      const lo = l * seqLen! * kvDim;
      const k = keyCache.subarray(lo + pos * kvDim, lo + (pos + 1) * kvDim);
      const v = valueCache.subarray(lo + pos * kvDim, lo + (pos + 1) * kvDim);
      matmul(q, xb, wq, l * dim! * dim!, dim!, dim!);
      matmul(k, xb, wk, l * dim! * kvDim, dim!, kvDim);
      matmul(v, xb, wv, l * dim! * kvDim, dim!, kvDim);
      for (let i = 0; i < dim!; i += 2) {
        const freq = 1 / Math.pow(10000, (i % hs) / hs);
        const fcr = Math.cos(pos * freq), fci = Math.sin(pos * freq);
        for (const vec of i < kvDim ? [q, k] : [q]) {
          const v0 = vec[i]!, v1 = vec[i + 1]!;
          vec[i] = v0 * fcr - v1 * fci;
          vec[i + 1] = v0 * fci + v1 * fcr;
        }
      }
      for (let h = 0; h < nH!; h++) {
        const kvh = Math.floor(h / (nH! / nKV!));
        for (let t = 0; t <= pos; t++) {
          let s = 0;
          for (let i = 0; i < hs; i++) s += q[h * hs + i]! * keyCache[lo + t * kvDim + kvh * hs + i]!;
          att[t] = s / Math.sqrt(hs);
        }
        let max = -Infinity;
        for (let t = 0; t <= pos; t++) max = Math.max(max, att[t]!);
        let sum = 0;
        for (let t = 0; t <= pos; t++) sum += att[t] = Math.exp(att[t]! - max);
        for (let i = 0; i < hs; i++) {
          let acc = 0;
          for (let t = 0; t <= pos; t++) acc += (att[t]! / sum) * valueCache[lo + t * kvDim + kvh * hs + i]!;
          xb[h * hs + i] = acc;
        }
      }
      matmul(xb2, xb, wo, l * dim! * dim!, dim!, dim!);
      for (let i = 0; i < dim!; i++) x[i] += xb2[i]!;
      rmsnorm(xb, x, rmsFfn, l * dim!);
      matmul(hb, xb, w1, l * dim! * hidden!, dim!, hidden!);
      matmul(hb2, xb, w3, l * dim! * hidden!, dim!, hidden!);
      for (let i = 0; i < hidden!; i++) hb[i] = (hb[i]! / (1 + Math.exp(-hb[i]!))) * hb2[i]!;
      matmul(xb, hb, w2, l * dim! * hidden!, hidden!, dim!);
      for (let i = 0; i < dim!; i++) x[i] += xb[i]!;
    }
    rmsnorm(xb, x, rmsFinal, 0);
    matmul(logits.subarray(pos * V, (pos + 1) * V), xb, wcls, 0, dim!, V);
  });
  return { logits, vocab: V };
}

test('unpermuteRope and permuteRope are inverses', () => {
  const w = Float32Array.from({ length: 2 * 8 * 3 }, (_, i) => i);
  const u = unpermuteRope(w, 2, 8, 3);
  expect(Array.from(u.subarray(0, 6))).toEqual([0, 1, 2, 12, 13, 14]); // row 0 ← row 0, row 1 ← row 4 (D/2)
  expect(Array.from(permuteRope(u, 2, 8, 3))).toEqual(Array.from(w));
});

test.each(['tiny', 'llama2c-hf'])('%s: llama2.c .bin run by a run.c transcription gives the reference logits', async (name) => {
  const out = join(tmp, `${name}.bin`);
  const err = console.error;
  console.error = () => {};
  try {
    expect(await exportCmd(['--checkpoint', join(FIXTURES, name), '--out', out, '--format', 'llama2c'])).toBe(0);
  } finally {
    console.error = err;
  }
  const golden = readGolden(name);
  const { logits, vocab } = runC(readBytes(out), golden.input_ids);
  expect(vocab).toBe(golden.logits_shape[1]);
  expect(maxAbsDiff(logits, 0, golden.logits, 0, logits.length)).toBeLessThan(1e-4);
});

test('tokenizer.bin: one entry per model id, token strings from tokenizer.json, merges scored by rank', async () => {
  const out = join(tmp, 'tok.bin');
  const err = console.error;
  console.error = () => {};
  try {
    await exportCmd(['--checkpoint', join(FIXTURES, 'tiny'), '--out', out, '--format', 'llama2c']);
  } finally {
    console.error = err;
  }
  const tokPath = join(tmp, 'tok.tokenizer.bin');
  expect(existsSync(tokPath)).toBe(true);
  const bin = readBytes(tokPath);
  const tokJson = JSON.parse(readFileSync(join(FIXTURES, 'tiny', 'tokenizer.json'), 'utf8'));
  expect(Buffer.from(bin).equals(Buffer.from(llama2cTokenizerBin(JSON.stringify(tokJson), 320)))).toBe(true);
  const view = new DataView(bin.buffer, bin.byteOffset, bin.byteLength);
  const dec = new TextDecoder();
  let off = 4;
  const entries: { score: number; text: string }[] = [];
  for (let i = 0; i < 320; i++) {
    const len = view.getInt32(off + 4, true);
    entries.push({ score: view.getFloat32(off, true), text: dec.decode(bin.subarray(off + 8, off + 8 + len)) });
    off += 8 + len;
  }
  expect(off).toBe(bin.length);
  expect(view.getInt32(0, true)).toBe(Math.max(...entries.map((e) => new TextEncoder().encode(e.text).length)));
  expect(entries.slice(0, 3).map((e) => e.text)).toEqual(['<unk>', '<s>', '</s>']);
  expect(entries[12]!.text).toBe('<0x00>');
  const id = (t: string) => tokJson.model.vocab[t] as number;
  expect(entries[id('从前')]!.score).toBe(0);
  expect(entries[id('小女孩')]!.score).toBe(-2);
  expect(entries[318]!.text).toBe(''); // ids past the tokenizer's vocabulary
});
