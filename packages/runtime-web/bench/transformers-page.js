// Browser page for the bench: transformers.js (its web build, onnxruntime-web's WASM EP) generating greedily from
// the same model folder and prompt ids as @tinyzh/runtime-web, so both sides run the same ONNX file on the same
// WASM runtime in the same browser. Bundled by bench/chromium.mjs with esbuild; driven through window.bench.
import { env, AutoModelForCausalLM, Tensor } from '@huggingface/transformers';

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = '/models/';
env.useBrowserCache = false;

window.bench = async (modelName, ids, numThreads, newTokens, repeat, asyncify) => {
  // transformers.js's own default is the asyncify build of ORT's wasm (fetched from a CDN); served locally here.
  const suffix = asyncify ? '.asyncify' : '';
  env.backends.onnx.wasm.wasmPaths = { mjs: `/ort/ort-wasm-simd-threaded${suffix}.mjs`, wasm: `/ort/ort-wasm-simd-threaded${suffix}.wasm` };
  env.backends.onnx.wasm.numThreads = numThreads;
  const model = await AutoModelForCausalLM.from_pretrained(modelName, { dtype: 'fp32', device: 'wasm' });
  const input_ids = new Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
  const attention_mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  const runs = [];
  for (let rep = 0; rep <= repeat; rep++) {
    const stamps = [];
    const streamer = { put: () => stamps.push(performance.now()), end: () => {} };
    const t0 = performance.now();
    await model.generate({ input_ids, attention_mask, max_new_tokens: newTokens, do_sample: false, streamer });
    const tokenStamps = stamps.slice(1); // put() gets the prompt first, then each new token
    if (rep > 0 && tokenStamps.length > 1) {
      runs.push({
        tokensPerSecond: ((tokenStamps.length - 1) * 1000) / (tokenStamps.at(-1) - tokenStamps[0]),
        timeToFirstTokenMs: tokenStamps[0] - t0,
        tokens: tokenStamps.length,
      });
    }
  }
  await model.dispose();
  const best = runs.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
  return { ...best, crossOriginIsolated: globalThis.crossOriginIsolated === true, ortWasm: `ort-wasm-simd-threaded${suffix}.wasm` };
};
document.title = 'ready';
