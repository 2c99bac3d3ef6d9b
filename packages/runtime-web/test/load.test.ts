import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFileSync, writeFileSync, mkdtempSync as mkdtempRaw, existsSync, rmSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import type { AddressInfo } from 'node:net';
import { createStoryteller } from '../src/index.js';
import { readManifest, loadModelFiles, type LoadProgress } from '../src/load.js';
import { fixtureModelDir, copyModel, rewriteManifest } from './helpers/fixture.js';
import { removeCopies } from './helpers/fixture.js';
afterAll(removeCopies);

let FIXTURE: string;
const temps: string[] = [];
/** mkdtemp whose folders are removed after the file's tests. */
function mkdtempSync(prefix: string): string {
  const d = mkdtempRaw(prefix);
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});
beforeAll(async () => {
  FIXTURE = await fixtureModelDir();
});

/** A loopback static server over `root`; `requests` counts hits. */
function serve(root: string): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    requests.push(path);
    const file = join(root, path);
    if (!file.startsWith(root) || !existsSync(file)) {
      res.writeHead(404, { connection: 'close' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-length': body.byteLength, 'content-type': 'application/octet-stream', connection: 'close' }).end(body);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server, requests })),
  );
}

describe('manifest checks', () => {
  it('names a corrupted file', async () => {
    const dir = copyModel(FIXTURE);
    const p = join(dir, 'onnx/model.onnx');
    const b = readFileSync(p);
    b[1000] ^= 0xff;
    writeFileSync(p, b);
    await expect(createStoryteller({ model: dir, device: 'wasm' })).rejects.toThrow(/onnx\/model\.onnx.*corrupted/);
  });

  it('names an ONNX file that is not a model (with a manifest that matches it)', async () => {
    const dir = copyModel(FIXTURE);
    writeFileSync(join(dir, 'onnx/model.onnx'), new Uint8Array(4096).fill(7));
    await rewriteManifest(dir);
    for (const device of ['wasm', 'cpu'] as const) {
      await expect(createStoryteller({ model: dir, device })).rejects.toThrow(new RegExp(`session on ${device} from file:.*onnx/model\\.onnx: `));
    }
  });

  it('names a truncated file', async () => {
    const dir = copyModel(FIXTURE);
    const p = join(dir, 'tokenizer.json');
    writeFileSync(p, readFileSync(p).subarray(0, 100));
    await expect(createStoryteller({ model: dir, device: 'wasm' })).rejects.toThrow(/tokenizer\.json.*truncated/);
  });

  it('says so when the server answers manifest.json with an HTML page (dev servers, SPA hosts)', () => {
    expect(() => readManifest('<!doctype html><html></html>', 'http://x/models/nope/manifest.json')).toThrow(
      /manifest\.json: the server answered with an HTML page.*URL of the model folder/,
    );
  });

  it('rejects a folder without manifest.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinyzh-empty-'));
    await expect(createStoryteller({ model: dir, device: 'wasm' })).rejects.toThrow(/not found.*manifest\.json\. `model` must be the folder that holds manifest\.json/);
  });

  it('rejects a model that is not a Llama', async () => {
    const dir = copyModel(FIXTURE);
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    c.model_type = 'gpt2';
    writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
    await rewriteManifest(dir);
    await expect(createStoryteller({ model: dir, device: 'wasm' })).rejects.toThrow(/model_type is "gpt2"/);
  });

  it('rejects a tokenizer larger than the model vocabulary', async () => {
    const dir = copyModel(FIXTURE);
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    c.vocab_size = 300;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
    await rewriteManifest(dir);
    await expect(createStoryteller({ model: dir, device: 'wasm' })).rejects.toThrow(/Vocabulary mismatch.*\d+ tokens.*vocab_size is 300/);
  });

  it('rejects bad device and numThreads options by name', async () => {
    await expect(createStoryteller({ model: FIXTURE, device: 'gpu' as 'wasm' })).rejects.toThrow(/Unknown device "gpu": use 'auto', 'webgpu', 'wasm' or 'cpu'/);
    for (const n of [0, -1, 1.5]) {
      await expect(createStoryteller({ model: FIXTURE, device: 'wasm', numThreads: n })).rejects.toThrow(`numThreads must be a positive integer, got ${n}`);
    }
  });

  it('says that `model` must be a folder (an empty string, a file)', async () => {
    await expect(createStoryteller({ model: '', device: 'wasm' })).rejects.toThrow(/`model` is an empty string/);
    await expect(createStoryteller({ model: join(FIXTURE, 'config.json'), device: 'wasm' })).rejects.toThrow(/config\.json is a file: `model` must be the folder that holds manifest\.json/);
  });

  it('explains a missing default model', async () => {
    const { defaultModelPath } = await import('../src/index.js');
    if (existsSync(join(defaultModelPath(), 'manifest.json'))) return; // the lead has committed it
    await expect(createStoryteller({ device: 'wasm' })).rejects.toThrow(/default model is not installed/);
  });
});

describe('over HTTP', () => {
  let srv: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    srv = await serve(FIXTURE);
  });
  afterAll(() => srv?.server.close());

  it('reports progress, caches on disk, and loads offline the second time', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tinyzh-cache-'));
    const events: LoadProgress[] = [];
    const files = ['config.json', 'tokenizer.json', 'onnx/model.onnx'];
    const a = await loadModelFiles(srv.url, files, { cache, onProgress: (p) => events.push(p) });
    expect([...a.files.keys()]).toEqual(files);
    const done = events.filter((e) => e.status === 'done').map((e) => e.file);
    expect(done).toEqual(files);
    const onnx = events.filter((e) => e.file === 'onnx/model.onnx' && e.status === 'download');
    expect(onnx.at(-1)!.loaded).toBe(onnx.at(-1)!.total);
    expect(onnx.at(-1)!.total).toBe(a.files.get('onnx/model.onnx')!.byteLength);

    // server gone: everything comes from the cache
    const dead = `http://127.0.0.1:9/`;
    await expect(loadModelFiles(dead, files, { cache: false })).rejects.toThrow(/Could not fetch/);
    const b = await loadModelFiles(srv.url.replace(/\/$/, ''), files, {
      cache,
      fetch: (async (u: string | URL | Request) => {
        if (String(u).endsWith('manifest.json')) throw new TypeError('offline');
        throw new Error(`unexpected network request ${String(u)}`);
      }) as typeof fetch,
    });
    expect(b.files.get('onnx/model.onnx')).toEqual(a.files.get('onnx/model.onnx'));
  });

  it('says 404 when the folder is wrong', async () => {
    await expect(loadModelFiles(srv.url + 'nope/', ['config.json'], { cache: false })).rejects.toThrow(/HTTP 404.*nope\/manifest\.json/);
  });

  it('generates from an http model folder', async () => {
    const teller = await createStoryteller({ model: srv.url, device: 'wasm', cache: false });
    const r = await teller.generate('从前', { temperature: 0, maxNewTokens: 5 }).result;
    expect(r.tokens).toBe(5);
    await teller.dispose();
  });
});
