/**
 * Browser-side harness for test/browser.test.ts: bundled with esbuild (browser conditions, so `#ort` is
 * onnxruntime-web/webgpu) and driven through `window.tinyzh` by Playwright.
 */
import { createStoryteller, type Storyteller } from '../../src/index.js';
import { WgslSampler } from '../../src/sampler-wgsl.js';
import { sampleLogits, type SamplingOptions } from '@tinyzh/core';
import { initTokenizer, Tokenizer } from '@tinyzh/tokenizer';

const MODEL = new URL('/model/', location.href).href;

async function load(device: 'wasm' | 'webgpu' | 'auto', worker: boolean): Promise<Storyteller> {
  return createStoryteller({ model: MODEL, device, worker, cache: false });
}

/** Live GPU buffers of this page (createBuffer minus destroy), counted from the moment `countGpuBuffers` ran. */
let liveBuffers = 0;
function countGpuBuffers(): void {
  const proto = (globalThis as { GPUDevice?: { prototype: GPUDevice } }).GPUDevice?.prototype;
  if (!proto || (proto as unknown as { __counted?: boolean }).__counted) return;
  (proto as unknown as { __counted?: boolean }).__counted = true;
  const create = proto.createBuffer;
  proto.createBuffer = function (this: GPUDevice, d: GPUBufferDescriptor) {
    const b = create.call(this, d);
    liveBuffers++;
    const destroy = b.destroy.bind(b);
    let gone = false;
    b.destroy = () => {
      if (!gone) liveBuffers--;
      gone = true;
      destroy();
    };
    return b;
  };
}

/** Deterministic pseudo-random logits. */
function makeLogits(n: number, seed: number, scale: number): Float32Array<ArrayBuffer> {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = ((s >>> 8) / 16777216 - 0.5) * scale;
  }
  return a;
}

const api = {

  /** Loads with the Cache API, then again with every network request failing: the second load must work. */
  async cacheOffline() {
    await caches.delete('tinyzh-models');
    const first: string[] = [];
    const a = await createStoryteller({ model: MODEL, device: 'wasm', worker: false, onProgress: (p) => first.push(p.status) });
    await a.dispose();
    const second: string[] = [];
    const offline = (() => Promise.reject(new TypeError('Failed to fetch (offline)'))) as typeof fetch;
    const b = await createStoryteller({ model: MODEL, device: 'wasm', worker: false, fetch: offline, onProgress: (p) => second.push(p.status) });
    const r = await b.generate('从前', { temperature: 0, maxNewTokens: 4 }).result;
    await b.dispose();
    return { first, second, tokens: r.tokens };
  },

  /** Decode tokens/s and time to first token on WASM with `numThreads` (in a worker), best of `repeat`. */
  async bench(numThreads: number, n: number, repeat: number, worker = true) {
    const t = await createStoryteller({ model: MODEL, device: 'wasm', numThreads, worker, cache: false });
    try {
      const runs = [];
      let firstStoryTokensPerSecond = 0;
      for (let i = 0; i <= repeat; i++) {
        const r = await t.generate('从前，有一只小猫', { temperature: 0, maxNewTokens: n }).result;
        if (i === 0) firstStoryTokensPerSecond = r.tokensPerSecond;
        else runs.push({ tokensPerSecond: r.tokensPerSecond, timeToFirstTokenMs: r.timeToFirstTokenMs, tokens: r.tokens });
      }
      const best = runs.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
      return { ...best, firstStoryTokensPerSecond, crossOriginIsolated: globalThis.crossOriginIsolated === true };
    } finally {
      await t.dispose();
    }
  },

  /** Destroys ORT's GPUDevice after `after` pieces of text: the engine must continue on WASM. */
  async deviceLoss(prompt: string, n: number, after: number) {
    const ort = await import('#ort');
    const t = await load('webgpu', false);
    try {
      let pieces = 0;
      const s = t.generate(prompt, { temperature: 0, maxNewTokens: n });
      for await (const _ of s) {
        if (++pieces === after) (await ort.env.webgpu.device).destroy();
      }
      const r = await s.result;
      return { ids: r.tokenIds, device: r.device, tellerDevice: t.device, pieces };
    } finally {
      await t.dispose();
    }
  },

  async greedy(device: 'wasm' | 'webgpu', worker: boolean, prompts: string[], n: number) {
    const t = await load(device, worker);
    const out: { ids: number[]; finishReason: string; device: string; text: string; sampler: string }[] = [];
    try {
      for (const p of prompts) {
        const r = await t.generate(p, { temperature: 0, maxNewTokens: n }).result;
        out.push({ ids: r.tokenIds, finishReason: r.finishReason, device: r.device, text: r.text, sampler: r.sampler });
      }
      return { device: t.device, results: out };
    } finally {
      await t.dispose();
    }
  },

  async auto() {
    const t = await load('auto', false);
    const r = { device: t.device, timings: t.modelInfo.deviceTimings };
    await t.dispose();
    return r;
  },

  async samplerVsCpu() {
    const adapter = await navigator.gpu.requestAdapter();
    const dev = await adapter!.requestDevice();
    const errors: string[] = [];
    dev.onuncapturederror = (e) => errors.push((e as GPUUncapturedErrorEvent).error.message);
    const info = await dev.createShaderModule({ code: (await import('../../src/sampler.wgsl.js')).SAMPLER_WGSL }).getCompilationInfo();
    for (const m of info.messages) errors.push(`${m.type} ${m.lineNum}:${m.linePos} ${m.message}`);
    const cases: { vocab: number; opts: SamplingOptions; scale: number }[] = [
      { vocab: 320, opts: { temperature: 0 }, scale: 10 },
      { vocab: 320, opts: { temperature: 1 }, scale: 4 },
      { vocab: 320, opts: { temperature: 0.8, topP: 0.9 }, scale: 6 },
      { vocab: 320, opts: { temperature: 0.7, topK: 20 }, scale: 6 },
      { vocab: 1000, opts: { temperature: 1.2, topK: 50, topP: 0.95, repetitionPenalty: 1.3, repetitionPenaltyLastN: 16 }, scale: 5 },
      { vocab: 4096, opts: { temperature: 0.9, topP: 0.8, repetitionPenalty: 1.1 }, scale: 8 },
      { vocab: 300, opts: { temperature: 0, repetitionPenalty: 2 }, scale: 3 },
    ];
    const mismatches: string[] = [];
    let compared = 0;
    for (const [ci, c] of cases.entries()) {
      const sampler = await WgslSampler.create(dev, c.vocab);
      // logits of 2 positions; the sampler reads the second row (offset = vocab)
      const rows = 2;
      const buf = dev.createBuffer({ size: rows * c.vocab * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
      for (let trial = 0; trial < 8; trial++) {
        const all = makeLogits(rows * c.vocab, 1000 * ci + trial, c.scale);
        if (c.opts.temperature === 0 && trial % 2 === 0) all[c.vocab + 7] = all[c.vocab + 5] = 1e3; // a tie
        dev.queue.writeBuffer(buf, 0, all as Float32Array<ArrayBuffer>);
        const row = all.subarray(c.vocab, 2 * c.vocab);
        const history = Array.from({ length: 24 }, (_, i) => (i * 37 + trial) % c.vocab);
        for (let step = 0; step < 6; step++) {
          const opts = { ...c.opts, seed: 42 + trial };
          const gpu = await sampler.sample(buf, c.vocab, opts, step, history);
          const cpu = sampleLogits(row, opts, step, history);
          compared++;
          if (gpu !== cpu) mismatches.push(`case ${ci} trial ${trial} step ${step}: gpu ${gpu} cpu ${cpu}`);
        }
      }
      buf.destroy();
      sampler.dispose();
    }
    dev.destroy();
    return { compared, mismatches: [...errors, ...mismatches] };
  },

  async abort(device: 'wasm' | 'webgpu', worker: boolean) {
    const t = await load(device, worker);
    try {
      const ac = new AbortController();
      let pieces = 0;
      let seenChars = 0;
      const s = t.generate('从前', { temperature: 1, seed: 11, maxNewTokens: 100, signal: ac.signal });
      for await (const piece of s) {
        if (++pieces > 2) continue;
        seenChars += piece.length;
        if (pieces === 2) ac.abort();
      }
      const r = await s.result;
      // Replay the ids through a decode stream to find how many tokens had been generated when the text seen at the
      // abort was complete: a piece can take several byte tokens, and the worker sends pieces that come within a few
      // milliseconds of each other in one message.
      await initTokenizer();
      const tok = await Tokenizer.fromJSON(await (await fetch(new URL('tokenizer.json', MODEL))).text());
      const ds = tok.createDecodeStream();
      let chars = 0;
      let tokensAtAbort = r.tokens;
      for (let i = 0; i < r.tokenIds.length; i++) {
        chars += ds.write(r.tokenIds[i]!).length;
        if (chars >= seenChars) {
          tokensAtAbort = i + 1;
          break;
        }
      }
      tok.dispose();
      const again = await t.generate('从前', { temperature: 0, maxNewTokens: 4 }).result;
      return { finishReason: r.finishReason, tokens: r.tokens, tokensAfterAbort: r.tokens - tokensAtAbort, againTokens: again.tokens };
    } finally {
      await t.dispose();
    }
  },

  /** Worker mode: a signal aborted before generate(), and dispose() in the middle of a story. */
  async workerAbortAndDispose() {
    const t = await load('wasm', true);
    const early = await t.generate('从前', { maxNewTokens: 40, signal: AbortSignal.abort() }).result;
    const s = t.generate('从前', { maxNewTokens: 2000, temperature: 1, seed: 3 });
    const queued = t.generate('从前', { maxNewTokens: 5 });
    await s[Symbol.asyncIterator]().next(); // the story is running
    await t.dispose();
    const settled = async (p: Promise<unknown>) => {
      try {
        return { ok: (await p) as { finishReason: string } };
      } catch (e) {
        return { error: String((e as Error).message ?? e) };
      }
    };
    const [running, waiting] = await Promise.all([settled(s.result), settled(queued.result)]);
    const pieces: string[] = [];
    for await (const piece of s) pieces.push(piece); // the loop ends too
    return { early: { finishReason: early.finishReason, tokens: early.tokens }, running, waiting, loopEnded: true };
  },

  async memory(device: 'wasm' | 'webgpu', count: number, maxNewTokens: number) {
    countGpuBuffers();
    const t = await load(device, false);
    const heap = (): number => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;
    const gc = (globalThis as { gc?: () => void }).gc;
    const samples: { i: number; heap: number; buffers: number }[] = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      await t.generate('从前', { temperature: 0.9, seed: i, maxNewTokens }).result;
      if (i === Math.floor(count / 4) || i === count - 1) {
        gc?.();
        await new Promise((r) => setTimeout(r, 50));
        samples.push({ i, heap: heap(), buffers: liveBuffers });
      }
    }
    const ms = performance.now() - t0;
    await t.dispose();
    gc?.();
    return { samples, ms, buffersAfterDispose: liveBuffers };
  },
};

(globalThis as unknown as { tinyzh: typeof api }).tinyzh = api;
document.title = 'ready';
