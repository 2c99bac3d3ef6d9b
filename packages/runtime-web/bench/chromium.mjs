// Chromium part of the bench: the test harness page (test/browser/page.ts, bundled with esbuild for browsers) served
// with COOP/COEP so WASM threads are allowed; decode tokens/s with 1 and 2 threads. Next to it, in the same browser,
// transformers.js's web build (bench/transformers-page.js) on the same model folder and prompt ids: with its default
// ORT wasm build (asyncify) and with the plain build @tinyzh/runtime-web uses.
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, dirname, extname, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

function serve(routes, headers) {
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const prefix = prefixes.find((p) => path.startsWith(p));
    const file = prefix !== undefined ? join(routes[prefix], path.slice(prefix.length)) : undefined;
    if (!file || !existsSync(file) || statSync(file).isDirectory()) return res.writeHead(404, headers).end();
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', connection: 'close', ...headers }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, server })));
}

/**
 * @param promptIds the prompt token ids @tinyzh/runtime-web feeds (`</s>` + the encoded prompt), for transformers.js.
 * @returns {{ threads1, threads2, transformersJs }} or `{ skipped }` when Chromium is missing.
 */
export async function benchChromium(modelDir, newTokens, repeat, log, promptIds) {
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) return { skipped: `no Chromium at ${chromiumPath}` };
  const { build } = await import('esbuild');
  const { chromium } = await import('playwright-core');
  const out = mkdtempSync(join(tmpdir(), 'tinyzh-bench-web-'));
  const bundle = join(out, 'b');
  const req = createRequire(join(pkg, 'package.json'));
  try {
    await build({
      entryPoints: { page: join(pkg, 'test/browser/page.ts'), worker: join(pkg, 'src/worker.ts') },
      outdir: bundle, bundle: true, splitting: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true,
      external: ['node:*', 'fs', 'fs/promises', 'url', 'path', 'os', 'crypto', 'module'], logLevel: 'error',
    });
    writeFileSync(join(out, 'index.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/b/page.js"></script>');
    const tjs = join(out, 't');
    await build({
      entryPoints: { page: join(pkg, 'bench/transformers-page.js') },
      outdir: tjs, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, logLevel: 'error',
      external: ['node:*', 'fs', 'fs/promises', 'url', 'path', 'os', 'crypto', 'module', 'sharp', 'onnxruntime-node'],
    });
    writeFileSync(join(out, 'transformers.html'), '<!doctype html><meta charset="utf-8"><script type="module" src="/t/page.js"></script>');
    const ortDist = dirname(req.resolve('onnxruntime-web/webgpu'));
    for (const f of ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.wasm']) symlinkSync(join(ortDist, f), join(bundle, f));
    const tokWasm = dirname(fileURLToPath(new URL('../wasm/tokenizer.wasm', import.meta.resolve('@tinyzh/tokenizer'))));
    const { url, server } = await serve(
      { '/': out, '/model/': modelDir, '/wasm/': tokWasm, '/ort/': ortDist, [`/models/${basename(modelDir)}/`]: modelDir },
      { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    );
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const result = {};
    try {
      for (const [key, threads, worker] of [['threads1', 1, true], ['threads2', 2, true], ['threads1NoWorker', 1, false]]) {
        log(`Chromium wasm, ${threads} thread(s), ${worker ? 'in a worker' : 'on the page'} …`);
        const page = await browser.newPage();
        await page.goto(url + 'index.html');
        await page.waitForFunction(() => document.title === 'ready');
        try {
          result[key] = await page.evaluate(([t, n, r, w]) => window.tinyzh.bench(t, n, r, w), [threads, newTokens, repeat, worker]);
        } catch (e) {
          result[key] = { error: String(e?.message ?? e).split('\n')[0] };
        }
        await page.close();
      }
      result.transformersJs = {};
      for (const [key, threads, asyncify] of [['threads1', 1, true], ['threads2', 2, true], ['threads1PlainOrtBuild', 1, false]]) {
        log(`Chromium transformers.js wasm, ${threads} thread(s), ${asyncify ? 'asyncify' : 'plain'} ORT build …`);
        const page = await browser.newPage();
        await page.goto(url + 'transformers.html');
        await page.waitForFunction(() => document.title === 'ready');
        try {
          result.transformersJs[key] = await page.evaluate(
            ([m, ids, t, n, r, a]) => window.bench(m, ids, t, n, r, a),
            [basename(modelDir), promptIds, threads, newTokens, repeat, asyncify],
          );
        } catch (e) {
          result.transformersJs[key] = { error: String(e?.message ?? e).split('\n')[0] };
        }
        await page.close();
      }
      const ratio = (a, b) => (a?.tokensPerSecond && b?.tokensPerSecond ? a.tokensPerSecond / b.tokensPerSecond : null);
      result.ratios = {
        runtimeWebOverTransformersJs1Thread: ratio(result.threads1, result.transformersJs.threads1),
        runtimeWebOverTransformersJs2Threads: ratio(result.threads2, result.transformersJs.threads2),
        runtimeWebOverTransformersJsSameOrtBuild1Thread: ratio(result.threads1, result.transformersJs.threads1PlainOrtBuild),
      };
    } finally {
      await browser.close();
      server.close();
    }
    return result;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
