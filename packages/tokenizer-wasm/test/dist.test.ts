// The built package (dist/index.js, as installed from npm) finds the .wasm shipped in wasm/ by itself, and a
// pre-compiled WebAssembly.Module (the Cloudflare workerd way) works too.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fixtureText } from './helpers.js';

const dist = new URL('../dist/index.js', import.meta.url);

describe.skipIf(!existsSync(dist))('dist build', () => {
  it('loads the default wasm and encodes', async () => {
    const m = await import(dist.href);
    const tok = await m.Tokenizer.fromJSON(fixtureText('tokenizer.json'));
    expect(tok.decode(tok.encode('从前有一只小猫。'))).toBe('从前有一只小猫。');
  });

  it('accepts a compiled WebAssembly.Module, bytes and a file URL', async () => {
    const m = await import(dist.href);
    const url = new URL('../wasm/tokenizer.wasm', import.meta.url);
    for (const src of [new WebAssembly.Module(readFileSync(url)), readFileSync(url), url]) {
      await m.initTokenizer(src);
      const tok = await m.Tokenizer.fromJSON(fixtureText('tokenizer.json'));
      expect(tok.vocabSize).toBe(3000);
    }
  });

  it('says where it looked when the wasm cannot be loaded', async () => {
    const m = await import(dist.href);
    await expect(m.initTokenizer(new URL('file:///nonexistent/tokenizer.wasm'))).rejects.toThrow(/cannot load the WebAssembly module/);
    await m.initTokenizer();
  });
});
