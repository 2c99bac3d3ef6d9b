/**
 * Publishability: `npm pack` of @tinyzh/core, @tinyzh/tokenizer and @tinyzh/runtime-web, installed from the tarballs
 * into fresh projects outside the monorepo — a plain Node script and a Vite app (built with Vite, run in Chromium) —
 * must tell a story with the greedy tokens of onnxruntime-node. Dependencies come from the npm cache when present
 * (`--prefer-offline`). Set TINYZH_SKIP_PACK_TEST=1 to skip.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readFileSync, cpSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Tokenizer, initTokenizer } from '@tinyzh/tokenizer';
import { fixtureModelDir, removeCopies } from './helpers/fixture.js';
import { referenceGreedy } from './helpers/reference.js';
import { serveStatic } from './helpers/static-server.js';

const here = dirname(fileURLToPath(import.meta.url));
const packages = join(here, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

describe.skipIf(!!process.env.TINYZH_SKIP_PACK_TEST)('packed tarballs in a fresh project', () => {
  let work: string;
  let project: string;
  let model: string;
  let ref: number[];

  beforeAll(async () => {
    model = await fixtureModelDir();
    work = mkdtempSync(join(tmpdir(), 'tinyzh-pack-'));
    const tarballs = ['core', 'tokenizer-wasm', 'runtime-web'].map((p) => {
      const out = JSON.parse(npm(['pack', '--json', '--pack-destination', work], join(packages, p))) as { filename: string }[];
      return join(work, out[0]!.filename);
    });
    project = join(work, 'app');
    cpSync(join(here, 'vite-app'), project, { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'fresh-app', private: true, type: 'module' }));
    npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs], project);
    await initTokenizer();
    const tok = await Tokenizer.fromJSON(readFileSync(join(model, 'tokenizer.json'), 'utf8'));
    ref = await referenceGreedy(join(model, 'onnx/model.onnx'), { num_hidden_layers: 2, num_key_value_heads: 2, head_dim: 16, eos_token_id: 2 }, [2, ...tok.encode('从前')], 10);
    tok.dispose();
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
    removeCopies();
  });

  it('a plain Node script', () => {
    writeFileSync(
      join(project, 'story.mjs'),
      `import { createStoryteller } from '@tinyzh/runtime-web';
const teller = await createStoryteller({ model: process.argv[2] });
const r = await teller.generate('从前', { temperature: 0, maxNewTokens: 10 }).result;
await teller.dispose();
// onnxruntime-node (device 'cpu') is an optional dependency, not installed here
const cpu = await createStoryteller({ model: process.argv[2], device: 'cpu' }).then(() => 'loaded', (e) => e.message);
console.log(JSON.stringify({ ids: r.tokenIds, device: teller.device, cpu }));`,
    );
    const out = execFileSync(process.execPath, ['story.mjs', model], { cwd: project, encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(r.device).toBe('wasm'); // 'auto' without onnxruntime-node
    expect(r.ids).toEqual(ref);
    expect(r.cpu).toMatch(/needs the optional dependency onnxruntime-node \(npm i onnxruntime-node\)/);
  });

  it.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('a Vite app in Chromium, under a strict CSP', async () => {
    const { build } = await import('vite');
    const out = join(work, 'site');
    await build({ root: project, configFile: join(project, 'vite.config.mjs'), build: { outDir: out }, logLevel: 'error' });
    // Served with the Content-Security-Policy the README documents.
    const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'";
    const server = await serveStatic({ '/': out, '/model/': model }, { 'content-security-policy': csp });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy|CSP/i.test(m.text())) violations.push(m.text());
      });
      await page.goto(server.url + 'index.html');
      await page.waitForFunction(() => document.title === 'ready');
      const r = await page.evaluate(() => (window as any).tell('wasm', '从前', 10));
      expect(r.ids).toEqual(ref);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
