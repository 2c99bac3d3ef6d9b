// Cloudflare workerd smoke test entry (bundled by test/runtimes.test.ts with esbuild's workerd conditions): the wasm
// files are imported as modules (workerd forbids compiling wasm from bytes) and the model is read through a service
// binding (FILES, a disk service over the model folder).
import { createStoryteller } from '../../dist/index.js';
import ortWasm from './ort.wasm';
import tokenizerWasm from './tokenizer.wasm';

export default {
  async fetch(request, env) {
    try {
      const teller = await createStoryteller({
        model: 'http://files/',
        device: 'wasm',
        cache: false,
        fetch: (url) => env.FILES.fetch(url),
        wasm: { onnxruntime: ortWasm, tokenizer: tokenizerWasm },
      });
      let text = '';
      const stream = teller.generate('从前', { temperature: 0, maxNewTokens: 10 });
      for await (const piece of stream) text += piece;
      const r = await stream.result;
      await teller.dispose();
      return Response.json({ ids: r.tokenIds, device: r.device, text, finishReason: r.finishReason });
    } catch (e) {
      return new Response(String(e?.stack ?? e), { status: 500 });
    }
  },
};
