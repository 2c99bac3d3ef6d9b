/**
 * Real-browser tests: Debian Chromium driven by playwright-core, WebGPU through SwiftShader (`--enable-unsafe-webgpu`).
 * Skipped when /usr/bin/chromium is missing, unless CI is set (then missing Chromium is a failure).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Tokenizer, initTokenizer } from '@tinyzh/tokenizer';
import { readFileSync } from 'node:fs';
import { fixtureModelDir } from './helpers/fixture.js';
import { removeCopies } from './helpers/fixture.js';
afterAll(removeCopies);
import { referenceGreedy } from './helpers/reference.js';
import { serveStatic, type StaticServer } from './helpers/static-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const run = existsSync(CHROMIUM) || !!process.env.CI;
const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const cfg = { num_hidden_layers: 2, num_key_value_heads: 2, head_dim: 16, eos_token_id: 2 };

describe.skipIf(!run)('in Chromium', () => {
  let out: string;
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let model: string;

  beforeAll(async () => {
    model = await fixtureModelDir();
    out = mkdtempSync(join(tmpdir(), 'tinyzh-browser-'));
    const bundle = join(out, 'b');
    await build({
      entryPoints: { page: join(here, 'browser/page.ts'), worker: join(pkg, 'src/worker.ts') },
      outdir: bundle,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      // Node-only branches (dynamic imports) of this package and @tinyzh/tokenizer
      external: ['node:*', 'fs', 'fs/promises', 'url', 'path', 'os', 'crypto', 'module'],
      logLevel: 'error',
    });
    writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/b/page.js"></script>');
    const req = createRequire(join(pkg, 'package.json'));
    const ortDist = dirname(req.resolve('onnxruntime-web/webgpu'));
    const tokWasm = dirname(fileURLToPath(new URL('../wasm/tokenizer.wasm', import.meta.resolve('@tinyzh/tokenizer'))));
    // What a bundler does with ORT's new URL('ort-wasm-….wasm', import.meta.url): put the file next to the chunk.
    for (const f of ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.wasm']) symlinkSync(join(ortDist, f), join(bundle, f));
    server = await serveStatic({
      '/': out,
      '/model/': model,
      // @tinyzh/tokenizer locates its wasm at new URL('../wasm/tokenizer.wasm', import.meta.url) of the bundle
      '/wasm/': tokWasm,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--enable-unsafe-webgpu',
        '--enable-precise-memory-info',
        '--js-flags=--expose-gc',
      ],
    });
    page = await browser.newPage();
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    await page.goto(server.url + 'index.html');
    await page.waitForFunction(() => document.title === 'ready', undefined, { timeout: 30_000 });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  async function reference(prompts: string[], n: number): Promise<number[][]> {
    await initTokenizer();
    const tok = await Tokenizer.fromJSON(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
    const refs: number[][] = [];
    for (const p of prompts) refs.push(await referenceGreedy(join(model, 'onnx/model.onnx'), cfg, [2, ...tok.encode(p)], n));
    tok.dispose();
    return refs;
  }

  const prompts = ['从前', '小猫'];

  it('WASM (in a Web Worker) generates the greedy tokens of onnxruntime-node', async () => {
    const refs = await reference(prompts, 24);
    const r = await page.evaluate(({ prompts }) => (window as any).tinyzh.greedy('wasm', true, prompts, 24), { prompts });
    expect(r.device).toBe('wasm');
    expect(r.results.map((x: { ids: number[] }) => x.ids)).toEqual(refs);
  });

  it('WebGPU (SwiftShader, GPU sampler) generates the greedy tokens of onnxruntime-node', async () => {
    const refs = await reference(prompts, 12);
    const r = await page.evaluate(({ prompts }) => (window as any).tinyzh.greedy('webgpu', false, prompts, 12), { prompts });
    // and in the default module worker
    const w = await page.evaluate(({ prompts }) => (window as any).tinyzh.greedy('webgpu', true, prompts.slice(0, 1), 12), { prompts });
    expect(w.device).toBe('webgpu');
    expect(w.results[0].sampler).toBe('wgsl');
    expect(w.results[0].ids).toEqual(refs[0]);
    expect(r.device).toBe('webgpu');
    expect(r.results.every((x: { sampler: string }) => x.sampler === 'wgsl')).toBe(true);
    expect(r.results.map((x: { ids: number[] }) => x.ids)).toEqual(refs);
  });

  it('WGSL sampler picks the same tokens as the core CPU sampler on fixed logits', async () => {
    const r = await page.evaluate(() => (window as any).tinyzh.samplerVsCpu());
    expect(r.mismatches).toEqual([]);
    expect(r.compared).toBeGreaterThan(300);
  });

  it('aborts mid-story and stays usable (worker, WASM; in-page, WebGPU)', async () => {
    for (const [device, worker] of [['wasm', true], ['webgpu', false]] as const) {
      const r = await page.evaluate(({ device, worker }) => (window as any).tinyzh.abort(device, worker), { device, worker });
      expect(['abort', 'eos']).toContain(r.finishReason);
      // In-page the abort is seen before the next step. Through the worker, the tokens generated while the text
      // travels to the page and the abort travels back still count: 0–6 here at ~1 ms a token (the worker itself
      // checks the signal after every step).
      if (r.finishReason === 'abort') expect(r.tokensAfterAbort).toBeLessThanOrEqual(worker ? 10 : 1);
      console.log(`[abort] ${device}${worker ? ' (worker)' : ''}: ${r.finishReason} after ${r.tokens} tokens, ${r.tokensAfterAbort} after the abort`);
      expect(r.againTokens).toBeGreaterThan(0);
    }
  });

  it('in the worker: a signal aborted before generate() aborts at once; dispose() mid-story ends the story', async () => {
    const r = await page.evaluate(() => (window as any).tinyzh.workerAbortAndDispose());
    expect(r.early).toEqual({ finishReason: 'abort', tokens: 0 });
    expect(r.running.ok?.finishReason ?? r.running.error).toMatch(/^abort$|disposed/);
    expect(r.waiting.error).toMatch(/disposed/);
    expect(r.loopEnded).toBe(true);
  });

  it('caches with the Cache API and loads offline the second time', async () => {
    const r = await page.evaluate(() => (window as any).tinyzh.cacheOffline());
    expect(r.first).toContain('download');
    expect(r.second).not.toContain('download');
    expect(r.second).toContain('cache');
    expect(r.tokens).toBe(4);
  });

  it('auto picks a device after measuring', async () => {
    const r = await page.evaluate(() => (window as any).tinyzh.auto());
    console.log(`[auto] chose ${r.device}; decode tokens/s measured: ${JSON.stringify(r.timings)}`);
    expect(['wasm', 'webgpu']).toContain(r.device);
    expect(r.timings.wasm).toBeGreaterThan(0);
  });

  it('many consecutive generations without memory growth', async () => {
    // 200 generations on each device. WebGPU on SwiftShader takes ~30 ms a decoder step here, so its stories are
    // 3 tokens long (prefill + 2 steps with the KV cache; about 15 s in all), the WASM ones 8.
    const runs = { wasm: 8, webgpu: 3 };
    const count = Number(process.env.TINYZH_MEMORY_RUNS ?? 200);
    for (const device of ['wasm', 'webgpu'] as const) {
      const n = runs[device];
      const r = await page.evaluate(({ device, count, n }) => (window as any).tinyzh.memory(device, count, n), { device, count, n });
      const [early, late] = r.samples;
      console.log(`[memory] ${device}: ${count} generations in ${Math.round(r.ms)} ms; heap ${early.heap} → ${late.heap} bytes; GPU buffers ${early.buffers} → ${late.buffers}, after dispose ${r.buffersAfterDispose}`);
      expect(late.heap - early.heap).toBeLessThan(4 * 1024 * 1024);
      expect(late.buffers).toBeLessThanOrEqual(early.buffers);
      expect(r.buffersAfterDispose).toBe(0); // dispose() frees every GPU buffer it made
    }
  });
  // Last: it destroys ORT's GPUDevice for this page.
  it('continues on WASM when the WebGPU device is lost mid-generation', async () => {
    const [ref] = await reference(['从前'], 16);
    const r = await page.evaluate(() => (window as any).tinyzh.deviceLoss('从前', 16, 1));
    expect(r.pieces).toBeGreaterThan(1); // the device was lost with tokens still to come
    expect(r.device).toBe('wasm');
    expect(r.ids).toEqual(ref);
  });

});
