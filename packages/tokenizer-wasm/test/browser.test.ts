// The unbundled dist/index.js in Chromium: the default loader fetches wasm/tokenizer.wasm relative to the module
// (new URL('../wasm/tokenizer.wasm', import.meta.url)) and gives the Hugging Face ids. Skipped without Chromium
// (CHROMIUM_PATH, default /usr/bin/chromium) or without dist/.
import { describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { parity } from './helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const pkg = fileURLToPath(new URL('..', import.meta.url));
const ready = existsSync(CHROMIUM) && existsSync(join(pkg, 'dist', 'index.js'));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.html': 'text/html' };

describe.skipIf(!ready)('in Chromium', () => {
  it('loads the default wasm by URL and matches Hugging Face ids', async () => {
    const server = createServer((req, res) => {
      const path = normalize(join(pkg, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
      if (!path.startsWith(pkg) || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const port = (server.address() as AddressInfo).port;
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${port}/test/fixtures/tokenizer.json`);
      const items = parity().texts.filter((_, i) => i % 5 === 0);
      // A string, not a function: vitest would rewrite import() inside a function body.
      const script = `(async () => {
        const m = await import('/dist/index.js');
        const tok = await m.Tokenizer.fromJSON(await (await fetch('/test/fixtures/tokenizer.json')).text());
        return ${JSON.stringify(items.map((i) => i.text))}.map((t) => {
          const ids = tok.encode(t);
          return { ids: Array.from(ids), back: tok.decode(ids) };
        });
      })()`;
      const got = (await page.evaluate(script)) as { ids: number[]; back: string }[];
      got.forEach((g, k) => {
        expect(g.ids).toEqual(items[k].ids);
        expect(g.back).toBe(items[k].text);
      });
    } finally {
      await browser.close();
      server.close();
    }
  });
});
