/**
 * A page without a bundler (test/plain-page/index.html): an import map points at the packages' files where npm puts
 * them; ORT and the tokenizer find their wasm next to their own modules (no `wasmPaths`). Module workers do not see
 * import maps, so `worker: true` must fail with an error that says to pass `worker: false`.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Tokenizer, initTokenizer } from '@tinyzh/tokenizer';
import { fixtureModelDir, removeCopies } from './helpers/fixture.js';
import { referenceGreedy } from './helpers/reference.js';
import { serveStatic, type StaticServer } from './helpers/static-server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const run = existsSync(CHROMIUM) || !!process.env.CI;
const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const req = createRequire(join(pkg, 'package.json'));
/** The folder npm installed a package in, as seen from this package (found from its main entry). */
function dirOf(name: string): string {
  let d = dirname(fileURLToPath(import.meta.resolve(name)));
  while (!existsSync(join(d, 'package.json'))) d = dirname(d);
  return d;
}

describe.skipIf(!run)('a plain <script type=module> page with an import map', () => {
  let server: StaticServer;
  let browser: Browser;
  let page: Page;
  let model: string;

  beforeAll(async () => {
    model = await fixtureModelDir();
    server = await serveStatic({
      '/': join(here, 'plain-page'),
      '/model/': model,
      '/node_modules/@tinyzh/runtime-web/': pkg,
      '/node_modules/@tinyzh/core/': dirOf('@tinyzh/core'),
      '/node_modules/@tinyzh/tokenizer/': dirOf('@tinyzh/tokenizer'),
      '/node_modules/comlink/': dirOf('comlink'),
      '/node_modules/onnxruntime-web/': dirname(dirname(req.resolve('onnxruntime-web/webgpu'))),
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    page = await browser.newPage();
    await page.goto(server.url + 'index.html');
    await page.waitForFunction(() => document.title === 'ready');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    removeCopies();
  });

  it('tells a story on WASM (worker: false) with the greedy tokens of onnxruntime-node', async () => {
    const r = await page.evaluate(() => (window as any).tell('wasm', false, '从前', 10));
    await initTokenizer();
    const tok = await Tokenizer.fromJSON(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
    const ref = await referenceGreedy(join(model, 'onnx/model.onnx'), { num_hidden_layers: 2, num_key_value_heads: 2, head_dim: 16, eos_token_id: 2 }, [2, ...tok.encode('从前')], 10);
    tok.dispose();
    expect(r.ids).toEqual(ref);
  });

  it('says to pass worker: false when the module worker cannot resolve the packages', async () => {
    await expect(page.evaluate(() => (window as any).tell('wasm', true, '从前', 2))).rejects.toThrow(/worker: false/);
  });
});
