// Cloudflare workerd check (scripts/check-runtimes.mjs): the wasm comes in as a module compiled by workerd.
import { Tokenizer, initTokenizer } from './tokenizer.js';
import wasm from './tokenizer.wasm';
import tokenizerJson from './tokenizer.json';
import parityJson from './parity.json';
export default {
  async fetch() {
    try {
      await initTokenizer(wasm); // a WebAssembly.Module compiled by workerd at load time
      const tok = await Tokenizer.fromJSON(tokenizerJson);
      const golden = JSON.parse(parityJson);
      let ok = 0;
      for (const t of golden.texts) {
        const ids = Array.from(tok.encode(t.text));
        if (JSON.stringify(ids) === JSON.stringify(t.ids) && tok.decode(ids) === t.text) ok++;
      }
      return new Response(`${wasm instanceof WebAssembly.Module} ${ok}/${golden.texts.length} parity texts match\n`);
    } catch (e) {
      return new Response('ERROR ' + e.stack + '\n', { status: 500 });
    }
  },
};
