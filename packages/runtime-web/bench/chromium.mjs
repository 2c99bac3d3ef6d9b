// Chromium part of the bench: the test harness page (test/browser/page.ts, bundled with esbuild for browsers) served
// with COOP/COEP so WASM threads are allowed; decode tokens/s with 1 and 2 threads.
import { createServer } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, dirname, extname, normalize } from 'node:path';
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

/** @returns {{ threads1, threads2 }} or `{ skipped }` when Chromium is missing. */
export async function benchChromium(modelDir, newTokens, repeat, log) {
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
    const ortDist = dirname(req.resolve('onnxruntime-web/webgpu'));
    for (const f of ['ort-wasm-simd-threaded.asyncify.wasm', 'ort-wasm-simd-threaded.wasm']) symlinkSync(join(ortDist, f), join(bundle, f));
    const tokWasm = dirname(fileURLToPath(new URL('../wasm/tokenizer.wasm', import.meta.resolve('@tinyzh/tokenizer'))));
    const { url, server } = await serve(
      { '/': out, '/model/': modelDir, '/wasm/': tokWasm },
      { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    );
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const result = {};
    try {
      for (const threads of [1, 2]) {
        log(`Chromium wasm, ${threads} thread(s) …`);
        const page = await browser.newPage();
        await page.goto(url + 'index.html');
        await page.waitForFunction(() => document.title === 'ready');
        try {
          result[`threads${threads}`] = await page.evaluate(([t, n, r]) => window.tinyzh.bench(t, n, r), [threads, newTokens, repeat]);
        } catch (e) {
          result[`threads${threads}`] = { error: String(e?.message ?? e).split('\n')[0] };
        }
        await page.close();
      }
    } finally {
      await browser.close();
      server.close();
    }
    return result;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
