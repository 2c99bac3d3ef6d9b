// Browser test of the static demo: build it with a model folder, serve dist/ with a plain static server (no
// COOP/COEP), drive Debian Chromium with playwright-core, generate, stop, and save screenshots to test-output/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { chromium, type Browser, type Page } from 'playwright-core';
import { pickTestModel, repoRoot } from './model-folder';
import { serveStatic } from './static-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const demoRoot = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(repoRoot, 'test-output');

const picked = await pickTestModel();
const model = picked.model;
let skipReason = picked.skip;
if (!existsSync(CHROMIUM)) {
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing (install Debian's chromium; CI must run this test)`);
  skipReason ??= `${CHROMIUM} is missing`;
}
if (skipReason) console.warn(`[demo.test] skipping the browser test: ${skipReason}`);

const han = /[\u4e00-\u9fff]/g;
const SEED = 2;
const storyText = (page: Page) => page.$eval('#story', (el) => el.textContent ?? '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skipReason !== undefined)('web demo in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let served: Awaited<ReturnType<typeof serveStatic>>;
  let dist: string;
  const consoleLines: string[] = [];

  beforeAll(async () => {
    dist = mkdtempSync(join(tmpdir(), 'tinyzh-demo-'));
    process.env.TINYZH_DEMO_MODEL = model;
    await build({
      root: demoRoot,
      configFile: join(demoRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: dist, emptyOutDir: true },
    });
    served = await serveStatic(dist);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    // Records whether the download progress bar was shown with a determinate value (bytes done / total).
    await page.addInitScript(() => {
      const seen = { shown: false, maxValue: 0 };
      (window as unknown as { __progress: typeof seen }).__progress = seen;
      new MutationObserver(() => {
        const box = document.getElementById('progress');
        const bar = document.getElementById('progress-bar') as HTMLProgressElement | null;
        if (box && !box.hidden) seen.shown = true;
        if (bar && bar.hasAttribute('value')) seen.maxValue = Math.max(seen.maxValue, bar.value);
      }).observe(document, { subtree: true, attributes: true, childList: true });
      // Records the story's text length after each batch of DOM changes: streaming shows many lengths.
      const lengths: number[] = [];
      (window as unknown as { __storyLengths: number[] }).__storyLengths = lengths;
      new MutationObserver(() => {
        const story = document.getElementById('story');
        if (story) lengths.push(story.textContent?.length ?? 0);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
    page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => served?.server.close(r));
    if (dist) rmSync(dist, { recursive: true, force: true });
    if (consoleLines.length) console.log(consoleLines.slice(-30).join('\n'));
  });

  it('loads the model with a progress bar, streams a Chinese story, and Stop stops it', async () => {
    // WASM: the device every browser has (headless Chromium here has no WebGPU adapter without flags).
    await page.goto(`${served.url}?device=wasm&seed=${SEED}`);
    expect(await page.title()).toMatch(/tinyzh/);
    // Served like any static host: no COOP/COEP, so no cross-origin isolation (single-threaded WASM).
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(false);
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.state ?? ''), null, {
      timeout: 120_000,
    });
    const error = await page.$eval('#error', (el) => ((el as HTMLElement).hidden ? '' : el.textContent));
    expect(error).toBe('');
    expect(served.requests.some((p) => p.includes('/models/'))).toBe(true);
    const progress = await page.evaluate(() => (window as unknown as { __progress: object }).__progress);
    expect(progress).toMatchObject({ shown: true });
    expect((progress as { maxValue: number }).maxValue).toBeGreaterThan(0);
    expect(await page.$eval('#stats', (el) => el.textContent)).toMatch(/WASM/);
    // The page says that the default model was trained on a synthetic corpus (another model: just its name).
    const isDefaultModel = basename(model!) === 'tinyzh-stories-tiny';
    expect(await page.isVisible('#default-model-note')).toBe(isDefaultModel);
    if (isDefaultModel) expect(await page.textContent('#default-model-note')).toMatch(/合成语料/);

    // 1. A whole story (or up to the length limit): text grows while it streams.
    await page.$eval('#length', (el: HTMLInputElement) => {
      el.value = '120';
      el.dispatchEvent(new Event('input'));
    });
    await page.fill('#prompt', '从前，有一只小兔子');
    await page.evaluate(() => ((window as unknown as { __storyLengths: number[] }).__storyLengths.length = 0));
    await page.click('#generate');
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 120_000 });
    const story = await storyText(page);
    expect(story.startsWith('从前，有一只小兔子')).toBe(true);
    const generated = story.slice('从前，有一只小兔子'.length);
    // A trained model writes Chinese; a random-weights fixture model writes whatever its weights pick.
    if (picked.trained) expect(generated.match(han)?.length ?? 0).toBeGreaterThan(5);
    else expect(generated.trim().length).toBeGreaterThan(5);
    // Paragraphs come from "\n" in the stream; "\n\n" between paragraphs leaves no empty <p>.
    const paragraphs = await page.$$eval('#story p', (ps) => ps.map((p) => p.textContent ?? ''));
    expect(paragraphs.length).toBeGreaterThan(0);
    expect(paragraphs.filter((t) => t.trim() === '')).toEqual([]);
    const lengths = await page.evaluate(() => (window as unknown as { __storyLengths: number[] }).__storyLengths);
    const distinct = new Set(lengths.filter((n) => n > '从前，有一只小兔子'.length));
    expect(distinct.size, `text should grow in steps while streaming, saw lengths ${[...distinct]}`).toBeGreaterThan(2);
    expect(await page.$eval('#stats', (el) => el.textContent)).toMatch(/词元\/秒/);

    // Same seed and settings → the same story as @tinyzh/runtime-web in Node (same ORT WASM build, one thread).
    const settings = await page.evaluate(() => ({
      temperature: Number((document.getElementById('temperature') as HTMLInputElement).value),
      topP: Number((document.getElementById('top-p') as HTMLInputElement).value),
      maxNewTokens: Number((document.getElementById('length') as HTMLInputElement).value),
    }));
    const { createStoryteller } = await import('@tinyzh/runtime-web');
    const teller = await createStoryteller({ model: model!, device: 'wasm', worker: false });
    try {
      const inNode = await teller.generate('从前，有一只小兔子', { ...settings, seed: SEED }).result;
      expect(generated).toBe(inNode.text.replace(/\n/g, ''));
    } finally {
      await teller.dispose();
    }

    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, 'web-demo.png'), fullPage: true });

    // 2. Stop: long story, stop soon after text appears; the text stops growing and the page is usable again.
    await page.$eval('#length', (el: HTMLInputElement) => {
      el.value = '1000';
      el.dispatchEvent(new Event('input'));
    });
    // The click happens inside the page, in the same task that shows new text, so the story cannot end between
    // "text appeared" and "Stop clicked" (on a fast machine a short story can finish before a round trip from here).
    const clickedWhile = page.evaluate(
      (promptLength) =>
        new Promise<string>((resolve) => {
          const story = document.getElementById('story')!;
          const observer = new MutationObserver(() => {
            if ((story.textContent?.length ?? 0) <= promptLength + 2) return;
            observer.disconnect();
            const state = document.body.dataset.state ?? '';
            (document.getElementById('stop') as HTMLButtonElement).click();
            resolve(state);
          });
          observer.observe(story, { childList: true, subtree: true, characterData: true });
        }),
      '从前，有一只小兔子'.length,
    );
    await page.click('#generate');
    const stoppedWhileGenerating = (await clickedWhile) === 'generating';
    await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 10_000 });
    const afterStop = await storyText(page);
    await sleep(500);
    expect(await storyText(page)).toBe(afterStop);
    // Stopped mid-story → 'abort'.
    const finish = await page.$eval('#stats', (el) => el.dataset.finishReason);
    expect(stoppedWhileGenerating).toBe(true);
    expect(finish).toBe('abort');
    expect(await page.$eval('#generate', (el: HTMLButtonElement) => el.disabled)).toBe(false);

    // 3. Phone width: nothing overflows horizontally.
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(outDir, 'web-demo-phone.png'), fullPage: true });
  });

  it('says clearly when the model cannot be loaded', async () => {
    const p = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await p.goto(`${served.url}?device=wasm&model=models/no-such-model/`);
      await p.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 60_000 });
      const message = await p.$eval('#error', (el) => el.textContent ?? '');
      expect(message).toMatch(/^模型加载失败：/);
      expect(message).toMatch(/404/);
      expect(await p.$eval('#generate', (el: HTMLButtonElement) => el.textContent)).toBe('重新加载模型');
      expect(await p.$eval('#progress', (el: HTMLElement) => el.hidden)).toBe(true);
      await p.screenshot({ path: join(outDir, 'web-demo-error.png') });
    } finally {
      await p.close();
    }
  });
});
