import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { createStoryteller, type Storyteller } from '../src/index.js';
import { StoryEngine } from '../src/engine.js';
import { referenceGreedy } from './helpers/reference.js';
import { fixtureModelDir } from './helpers/fixture.js';
import { removeCopies } from './helpers/fixture.js';
afterAll(removeCopies);

let FIXTURE_DIR: string;

const cfg = { num_hidden_layers: 2, num_key_value_heads: 2, head_dim: 16, eos_token_id: 2 };

describe('engine on native onnxruntime-node (device cpu)', () => {
  beforeAll(async () => {
    FIXTURE_DIR = await fixtureModelDir();
  });

  it("is what 'auto' picks in Node when onnxruntime-node is installed, and gives the reference's greedy tokens", async () => {
    const engine = await StoryEngine.load({ model: FIXTURE_DIR });
    try {
      expect(engine.device).toBe('cpu');
      for (const prompt of ['从前', '小猫在']) {
        const ids = engine.encodePrompt(prompt);
        const ref = await referenceGreedy(join(FIXTURE_DIR, 'onnx/model.onnx'), cfg, ids, 40);
        const r = await engine.generate(prompt, { temperature: 0, maxNewTokens: 40 }, () => undefined);
        expect(r.tokenIds).toEqual(ref);
        expect(r.device).toBe('cpu');
      }
      // the sliding window, as on WASM
      const ref = await referenceGreedy(join(FIXTURE_DIR, 'onnx/model.onnx'), cfg, engine.encodePrompt('从前'), 150, 128);
      const r = await engine.generate('从前', { temperature: 0, maxNewTokens: 150 }, () => undefined);
      expect(r.truncated).toBe(true);
      expect(r.tokenIds).toEqual(ref);
    } finally {
      await engine.dispose();
    }
  });

  it("refuses a different WASM numThreads once onnxruntime-web's WASM backend has started", async () => {
    const wasm = await createStoryteller({ model: FIXTURE_DIR, device: 'wasm' }); // 1 thread in Node
    try {
      await expect(createStoryteller({ model: FIXTURE_DIR, device: 'wasm', numThreads: 2 })).rejects.toThrow(
        /numThreads 2: onnxruntime-web's WASM backend already runs with 1 thread\(s\) here and cannot change in this process/,
      );
    } finally {
      await wasm.dispose();
    }
  });

  it('samples the tokens WASM samples with the same seed', async () => {
    const cpu = await createStoryteller({ model: FIXTURE_DIR, device: 'cpu', numThreads: 1 });
    const wasm = await createStoryteller({ model: FIXTURE_DIR, device: 'wasm' });
    try {
      for (const seed of [1, 2, 3]) {
        const o = { temperature: 0.8, topP: 0.9, seed, maxNewTokens: 30 };
        const a = await cpu.generate('从前', o).result;
        const b = await wasm.generate('从前', o).result;
        expect(a.tokenIds).toEqual(b.tokenIds);
      }
    } finally {
      await cpu.dispose();
      await wasm.dispose();
    }
  });
});

describe('engine on the tiny random fixture (onnxruntime-web wasm in Node)', () => {
  let teller: Storyteller;
  let engine: StoryEngine;
  beforeAll(async () => {
    FIXTURE_DIR = await fixtureModelDir();
    engine = await StoryEngine.load({ model: FIXTURE_DIR, device: 'wasm' });
    teller = await createStoryteller({ model: FIXTURE_DIR, device: 'wasm' });
  });
  afterAll(async () => {
    await engine?.dispose();
    await teller?.dispose();
  });

  it('greedy tokens equal onnxruntime-node', async () => {
    for (const prompt of ['从前', '小猫在', 'a']) {
      const ids = engine.encodePrompt(prompt);
      const ref = await referenceGreedy(join(FIXTURE_DIR, 'onnx/model.onnx'), cfg, ids, 40);
      const r = await engine.generate(prompt, { temperature: 0, maxNewTokens: 40 }, () => undefined);
      expect(ref.length).toBeGreaterThan(0);
      expect(r.tokenIds).toEqual(ref);
      expect(r.finishReason).toBe(ref.length < 40 ? 'eos' : 'length');
    }
  });

  it('never emits a broken character, even where random weights love byte tokens', async () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const pieces: string[] = [];
      await engine.generate('从前', { temperature: 2, seed, maxNewTokens: 60 }, (t) => pieces.push(t));
      expect(pieces.join('')).not.toContain('\uFFFD');
    }
  });

  it('never samples the padding ids past the tokenizer vocabulary', async () => {
    const tokVocab = engine.tokenizer.vocabSize;
    expect(engine.modelInfo.config.vocab_size).toBeGreaterThan(tokVocab); // the fixture pads its vocabulary
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const r = await engine.generate('从前', { temperature: 5, seed, maxNewTokens: 40 }, () => undefined);
      for (const id of r.tokenIds) expect(id).toBeLessThan(tokVocab);
    }
  });

  it('runs the fp16, q8 and q4 files of the folder', async () => {
    for (const [dtype, file] of [['fp16', 'model_fp16.onnx'], ['q8', 'model_quantized.onnx'], ['q4', 'model_q4.onnx']] as const) {
      const e = await StoryEngine.load({ model: FIXTURE_DIR, device: 'wasm', dtype });
      const ids = e.encodePrompt('从前');
      const ref = await referenceGreedy(join(FIXTURE_DIR, 'onnx', file), cfg, ids, 12);
      const r = await e.generate('从前', { temperature: 0, maxNewTokens: 12 }, () => undefined);
      expect(e.modelInfo.onnxFile).toBe(`onnx/${file}`);
      expect(r.tokenIds).toEqual(ref);
      await e.dispose();
    }
  });

  it('streams well-formed text pieces that join to the result text', async () => {
    for (const seed of [1, 2, 3]) {
      const pieces: string[] = [];
      const r = await engine.generate('从前\n', { temperature: 1.5, seed, maxNewTokens: 60 }, (t) => pieces.push(t));
      expect(pieces.join('')).toBe(r.text);
      // (not compared with tokenizer.decode(): on runs of byte tokens that are not valid UTF-8 the batch decode
      // follows Hugging Face's ByteFallback and replaces the whole run, which a stream cannot know in advance)
      for (const p of pieces) expect((p as string & { isWellFormed(): boolean }).isWellFormed()).toBe(true);
    }
    // a newline token comes out as a newline
    const nl = engine.tokenizer.encode('\n');
    expect(engine.tokenizer.decode(nl)).toBe('\n');
  });

  it('stops at a stop string (not emitted)', async () => {
    const full = await engine.generate('从前', { temperature: 0, maxNewTokens: 30 }, () => undefined);
    const chars = [...full.text];
    const stop = chars.slice(5, 7).join('');
    const cut = full.text.indexOf(stop);
    const r = await teller.generate('从前', { temperature: 0, maxNewTokens: 30, stop: [stop] }).result;
    expect(r.finishReason).toBe('stop');
    expect(r.text).toBe(full.text.slice(0, cut));
  });

  it('streams text through the storyteller with a result', async () => {
    const stream = teller.generate('从前', { temperature: 0.8, topP: 0.9, seed: 7, maxNewTokens: 20 });
    let text = '';
    for await (const piece of stream) text += piece;
    const r = await stream.result;
    expect(r.text).toBe(text);
    expect(['eos', 'length']).toContain(r.finishReason);
    expect(r.tokens).toBe(r.tokenIds.length);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    expect(r.timeToFirstTokenMs).toBeGreaterThan(0);
    expect(r.device).toBe('wasm');
    expect(teller.device).toBe('wasm');
    expect(teller.modelInfo.contextLength).toBe(128);
    // same seed → same tokens
    const again = teller.generate('从前', { temperature: 0.8, topP: 0.9, seed: 7, maxNewTokens: 20 });
    expect((await again.result).tokenIds).toEqual(r.tokenIds);
  });

  it('slides the window past max_position_embeddings (128) like the reference, and says so', async () => {
    const onnx = join(FIXTURE_DIR, 'onnx/model.onnx');
    // a long generation from a short prompt
    const ids = engine.encodePrompt('从前');
    const ref = await referenceGreedy(onnx, cfg, ids, 200, 128);
    const r = await engine.generate('从前', { temperature: 0, maxNewTokens: 200 }, () => undefined);
    expect(ref.length).toBe(200);
    expect(r.tokenIds).toEqual(ref);
    expect(r.truncated).toBe(true);
    // a prompt longer than the window
    const long = '从前有一只小猫'.repeat(40);
    const ref2 = await referenceGreedy(onnx, cfg, engine.encodePrompt(long), 10, 128);
    const r2 = await engine.generate(long, { temperature: 0, maxNewTokens: 10 }, () => undefined);
    expect(r2.truncated).toBe(true);
    expect(r2.tokenIds).toEqual(ref2);
    const short = await engine.generate('从前', { temperature: 0, maxNewTokens: 10 }, () => undefined);
    expect(short.truncated).toBe(false);
  });

  it('aborts within one token and stays usable', async () => {
    const ac = new AbortController();
    let pieces = 0;
    const stream = teller.generate('从前', { temperature: 1, seed: 1, maxNewTokens: 100, signal: ac.signal });
    for await (const _ of stream) {
      pieces++;
      if (pieces === 2) ac.abort();
    }
    const r = await stream.result;
    expect(r.finishReason === 'abort' || r.finishReason === 'eos').toBe(true);
    if (r.finishReason === 'abort') expect(r.tokens).toBeLessThanOrEqual(3);
    const ok = await teller.generate('从前', { temperature: 0, maxNewTokens: 5 }).result;
    expect(ok.tokens).toBeGreaterThan(0);
  });

  it('breaking out of for-await aborts the generation', async () => {
    const stream = teller.generate('从前', { temperature: 1, seed: 3, maxNewTokens: 100 });
    for await (const _ of stream) break;
    const r = await stream.result;
    expect(['abort', 'eos']).toContain(r.finishReason);
  });
});

describe('dispose', () => {
  it('stops a running generation and rejects later ones', async () => {
    FIXTURE_DIR = await fixtureModelDir();
    const teller = await createStoryteller({ model: FIXTURE_DIR, device: 'wasm' });
    const stream = teller.generate('从前', { temperature: 1, seed: 5, maxNewTokens: 100 });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    await teller.dispose();
    const r = await stream.result;
    expect(['abort', 'eos', 'length']).toContain(r.finishReason);
    await expect(teller.generate('x').result).rejects.toThrow(/disposed/);
    await teller.dispose(); // idempotent
  });
});
