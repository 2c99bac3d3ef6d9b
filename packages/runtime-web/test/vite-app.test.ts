/**
 * A fresh Vite app (test/vite-app: index.html + main.js importing '@tinyzh/runtime-web', no wasmPaths, default
 * worker) is built with Vite and run in Chromium: the worker, ORT's wasm and the tokenizer's wasm must be found
 * by the bundler alone. Skipped without /usr/bin/chromium unless CI is set.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { chromium, type Browser } from 'playwright-core';
import { Tokenizer, initTokenizer } from '@tinyzh/tokenizer';
import { fixtureModelDir, removeCopies } from './helpers/fixture.js';
import { referenceGreedy } from './helpers/reference.js';
import { serveStatic, type StaticServer } from './helpers/static-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const run = existsSync(CHROMIUM) || !!process.env.CI;
const app = join(dirname(fileURLToPath(import.meta.url)), 'vite-app');

describe.skipIf(!run)('a fresh Vite app', () => {
  let out: string;
  let server: StaticServer;
  let browser: Browser;
  let model: string;

  beforeAll(async () => {
    model = await fixtureModelDir();
    out = mkdtempSync(join(tmpdir(), 'tinyzh-vite-'));
    await build({ root: app, configFile: join(app, 'vite.config.mjs'), build: { outDir: out }, logLevel: 'error' });
    server = await serveStatic({ '/': out, '/model/': model });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-webgpu'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
    removeCopies();
  });

  it('emits the worker and both wasm files', () => {
    const assets = readdirSync(join(out, 'assets'));
    expect(assets.some((f) => /^worker-.*\.js$/.test(f))).toBe(true);
    expect(assets.some((f) => /^ort-wasm-simd-threaded.*\.wasm$/.test(f))).toBe(true);
    expect(assets.some((f) => /^tokenizer.*\.wasm$/.test(f))).toBe(true);
  });

  it('tells a story in a worker on WASM with the greedy tokens of onnxruntime-node', async () => {
    const page = await browser.newPage();
    await page.goto(server.url + 'index.html');
    await page.waitForFunction(() => document.title === 'ready');
    const r = await page.evaluate(() => (window as any).tell('wasm', '从前', 16));
    await initTokenizer();
    const tok = await Tokenizer.fromJSON(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
    const ref = await referenceGreedy(
      join(model, 'onnx/model.onnx'),
      { num_hidden_layers: 2, num_key_value_heads: 2, head_dim: 16, eos_token_id: 2 },
      [1, ...tok.encode('从前')],
      16,
    );
    tok.dispose();
    expect(r.device).toBe('wasm');
    expect(r.ids).toEqual(ref);
    await page.close();
  });
});
