// Decode speed and time to first token of @tinyzh/runtime-web in Node (onnxruntime-web, WASM) next to
// onnxruntime-node (native CPU) and transformers.js on the same model folder, measured in this run; bundle sizes.
// Greedy decoding of the same prompt ids; two warm-up runs each, then the best of TINYZH_BENCH_REPEAT (8). Progress goes to stderr; the last stdout line is one JSON object.
import { existsSync, readFileSync, statSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, '..');
const req = createRequire(join(pkg, 'package.json'));
const log = (...a) => console.error('[bench]', ...a);

const defaultModel = join(pkg, 'models/tinyzh-stories-tiny');
const fixture = join(pkg, '../train-node/test/fixtures/export/tiny-random');
const modelDir = process.env.TINYZH_BENCH_MODEL ?? (existsSync(join(defaultModel, 'manifest.json')) ? defaultModel : fixture);
const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
const window = config.max_position_embeddings;
const NEW = Math.min(Number(process.env.TINYZH_BENCH_TOKENS ?? 200), window - 16);
const REPEAT = Number(process.env.TINYZH_BENCH_REPEAT ?? 8);
const PROMPT = '从前，有一只小猫';
log(`model ${modelDir} (vocab ${config.vocab_size}, ${config.num_hidden_layers} layers, hidden ${config.hidden_size}); ${NEW} new tokens, best of ${REPEAT}`);

const best = (runs) => runs.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));

// A loadable copy when the tokenizer package rejects the folder's tokenizer.json (see test/helpers/fixture.ts).
async function loadableModel() {
  const { Tokenizer, initTokenizer, trainBpe } = await import('@tinyzh/tokenizer');
  await initTokenizer();
  const text = readFileSync(join(modelDir, 'tokenizer.json'), 'utf8');
  try {
    (await Tokenizer.fromJSON(text)).dispose();
    return { dir: modelDir, cleanup: () => {} };
  } catch {
    const { cpSync, writeFileSync } = await import('node:fs');
    const { createManifest } = await import('@tinyzh/core');
    const dir = mkdtempSync(join(tmpdir(), 'tinyzh-bench-'));
    cpSync(modelDir, dir, { recursive: true });
    const ref = await trainBpe(['从前'], { vocabSize: 270 });
    const j = JSON.parse(text);
    j.pre_tokenizer = JSON.parse(ref.toJSON()).pre_tokenizer;
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(j));
    const list = (d) => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? list(join(d, n)).map((p) => `${n}/${p}`) : [n]));
    const files = list(dir).filter((p) => p !== 'manifest.json').map((path) => ({ path, bytes: new Uint8Array(readFileSync(join(dir, path))) }));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(await createManifest(files)));
    log('tokenizer.json lacks the tinyzh pre_tokenizer: benchmarking a patched copy');
    return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }
}

async function benchRuntimeWeb(dir, numThreads, dtype = 'fp32', repeat = REPEAT) {
  const { createStoryteller } = await import('../dist/index.js');
  const teller = await createStoryteller({ model: dir, device: 'wasm', numThreads, dtype, cache: false });
  const runs = [];
  let firstStoryTokensPerSecond = 0;
  for (let i = 0; i < repeat + 2; i++) {
    const r = await teller.generate(PROMPT, { temperature: 0, maxNewTokens: NEW }).result;
    if (i === 0) firstStoryTokensPerSecond = r.tokensPerSecond;
    if (i > 1) runs.push({ tokensPerSecond: r.tokensPerSecond, timeToFirstTokenMs: r.timeToFirstTokenMs, tokens: r.tokens });
  }
  await teller.dispose();
  return { ...best(runs), firstStoryTokensPerSecond };
}

async function promptIdsOf(dir) {
  const { Tokenizer, initTokenizer } = await import('@tinyzh/tokenizer');
  await initTokenizer();
  const tok = await Tokenizer.fromJSON(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const ids = [config.eos_token_id, ...tok.encode(PROMPT)]; // as the engine feeds it: the story starts after </s>
  tok.dispose();
  return ids;
}

// onnxruntime-node: the same KV-cache loop, argmax on the CPU.
// `threads`: intra-op threads (undefined: onnxruntime's default, one per core).
async function benchOrtNode(ids, threads) {
  const ort = req('onnxruntime-node');
  const session = await ort.InferenceSession.create(join(modelDir, 'onnx/model.onnx'), threads ? { intraOpNumThreads: threads } : {});
  const L = config.num_hidden_layers, H = config.num_key_value_heads, D = config.head_dim ?? config.hidden_size / config.num_attention_heads;
  const runs = [];
  for (let rep = 0; rep < REPEAT + 2; rep++) {
    let past = {};
    for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, H, 0, D]);
    let feed = ids;
    let pos = 0;
    const t0 = performance.now();
    let tFirst = 0;
    let n = 0;
    for (let s = 0; s < NEW; s++) {
      const seq = feed.length;
      const out = await session.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(feed, BigInt), [1, seq]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(pos + seq).fill(1n), [1, pos + seq]),
        position_ids: new ort.Tensor('int64', BigInt64Array.from(feed.map((_, i) => BigInt(pos + i))), [1, seq]),
        ...past,
      });
      const logits = out.logits.data;
      const V = out.logits.dims[2];
      let bi = 0;
      for (let v = 1; v < V; v++) if (logits[(seq - 1) * V + v] > logits[(seq - 1) * V + bi]) bi = v;
      pos += seq;
      past = {};
      for (let i = 0; i < L; i++) for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
      if (s === 0) tFirst = performance.now();
      n++;
      if (bi === config.eos_token_id) break;
      feed = [bi];
    }
    const tEnd = performance.now();
    if (rep > 1) runs.push({ tokensPerSecond: ((n - 1) * 1000) / (tEnd - tFirst), timeToFirstTokenMs: tFirst - t0, tokens: n });
  }
  await session.release();
  return best(runs);
}

// transformers.js on the same folder (its Node backend is onnxruntime-node; logits come back to JS every step).
async function benchTransformersJs(ids) {
  let tf;
  try {
    tf = await import(req.resolve('@huggingface/transformers'));
  } catch (e) {
    return { error: `transformers.js not available: ${e.message}` };
  }
  tf.env.allowRemoteModels = false;
  tf.env.localModelPath = dirname(modelDir) + '/';
  const model = await tf.AutoModelForCausalLM.from_pretrained(basename(modelDir), { dtype: 'fp32', device: 'cpu' });
  const input_ids = new tf.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
  const attention_mask = new tf.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  const runs = [];
  for (let rep = 0; rep < REPEAT + 2; rep++) {
    const stamps = [];
    const streamer = { put: () => stamps.push(performance.now()), end: () => {} };
    const t0 = performance.now();
    const out = await model.generate({ input_ids, attention_mask, max_new_tokens: NEW, do_sample: false, streamer });
    const tEnd = performance.now();
    // put() is called with the prompt first, then once per new token
    const tokenStamps = stamps.slice(1);
    const n = out.dims[1] - ids.length;
    if (rep > 1 && tokenStamps.length > 1) {
      runs.push({
        tokensPerSecond: ((tokenStamps.length - 1) * 1000) / (tokenStamps.at(-1) - tokenStamps[0]),
        timeToFirstTokenMs: tokenStamps[0] - t0,
        tokens: n,
        totalMs: tEnd - t0,
      });
    }
  }
  await model.dispose?.();
  return best(runs);
}

async function bundleSizes() {
  const { build } = await import('esbuild');
  const gz = (b) => gzipSync(b, { level: 9 }).byteLength;
  const r = await build({
    entryPoints: [join(pkg, 'src/index.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    outdir: 'out',
    external: ['node:*', 'fs', 'fs/promises', 'url', 'path', 'os', 'crypto', 'module', '#ort', '#ort-wasm', 'onnxruntime-web', 'onnxruntime-web/*'],
    logLevel: 'silent',
  });
  const own = r.outputFiles.reduce((a, f) => a + f.contents.byteLength, 0);
  const ownGz = r.outputFiles.reduce((a, f) => a + gz(f.contents), 0);
  const ortDist = dirname(req.resolve('onnxruntime-web/webgpu'));
  const ortJs = readFileSync(join(ortDist, 'ort.webgpu.bundle.min.mjs'));
  const ortWasm = readFileSync(join(ortDist, 'ort-wasm-simd-threaded.asyncify.wasm'));
  const ortWasmOnlyJs = readFileSync(join(ortDist, 'ort.wasm.bundle.min.mjs'));
  const ortWasmOnly = readFileSync(join(ortDist, 'ort-wasm-simd-threaded.wasm'));
  const tokWasmPath = fileURLToPath(new URL('../wasm/tokenizer.wasm', import.meta.resolve('@tinyzh/tokenizer')));
  const tokWasm = existsSync(tokWasmPath) ? readFileSync(tokWasmPath) : new Uint8Array(0);
  return {
    runtimeJsMinBytes: own,
    runtimeJsGzipBytes: ownGz,
    note: 'runtime JS = this package + @tinyzh/core + @tinyzh/tokenizer JS + comlink, minified (ORT excluded)',
    ortWebgpuJsGzipBytes: gz(ortJs),
    ortWebgpuWasmBytes: ortWasm.byteLength,
    ortWebgpuWasmGzipBytes: gz(ortWasm),
    ortWasmOnlyJsGzipBytes: gz(ortWasmOnlyJs),
    ortWasmOnlyWasmBytes: ortWasmOnly.byteLength,
    ortWasmOnlyWasmGzipBytes: gz(ortWasmOnly),
    tokenizerWasmBytes: tokWasm.byteLength,
    tokenizerWasmGzipBytes: tokWasm.byteLength ? gz(tokWasm) : 0,
  };
}

const result = { model: modelDir, newTokens: NEW, repeat: REPEAT, prompt: PROMPT };
const loadable = await loadableModel();
try {
  const ids = await promptIdsOf(loadable.dir);
  log('runtime-web (onnxruntime-web wasm, 1 thread) …');
  result.runtimeWebNodeWasm = await benchRuntimeWeb(loadable.dir, 1);
  // The other ONNX files of the folder (smaller downloads) on the same WASM backend, best of 3 each.
  result.runtimeWebNodeWasmByDtype = {};
  for (const dtype of ['fp16', 'q8', 'q4']) {
    log(`runtime-web (wasm, 1 thread), dtype ${dtype} …`);
    try {
      const r = await benchRuntimeWeb(loadable.dir, 1, dtype, 3);
      result.runtimeWebNodeWasmByDtype[dtype] = { tokensPerSecond: r.tokensPerSecond, tokens: r.tokens };
    } catch (e) {
      result.runtimeWebNodeWasmByDtype[dtype] = { error: String(e?.message ?? e).split('\n')[0] };
    }
  }
  log('onnxruntime-node …');
  result.onnxruntimeNode = await benchOrtNode(ids);
  result.onnxruntimeNode1Thread = await benchOrtNode(ids, 1);
  log('transformers.js …');
  try {
    result.transformersJs = await benchTransformersJs(ids);
  } catch (e) {
    result.transformersJs = { error: String(e?.message ?? e).split('\n')[0] };
  }
  const r = result.runtimeWebNodeWasm.tokensPerSecond;
  result.ratios = {
    runtimeWebOverOnnxruntimeNode: r / result.onnxruntimeNode.tokensPerSecond,
    runtimeWebOverOnnxruntimeNode1Thread: r / result.onnxruntimeNode1Thread.tokensPerSecond,
    runtimeWebOverTransformersJs: result.transformersJs.tokensPerSecond ? r / result.transformersJs.tokensPerSecond : null,
  };
  try {
    const { benchChromium } = await import('./chromium.mjs');
    result.chromiumWasm = await benchChromium(loadable.dir, NEW, REPEAT, log, ids);
  } catch (e) {
    result.chromiumWasm = { error: String(e?.message ?? e).split('\n')[0] };
  }
  log('bundle sizes …');
  result.bundle = await bundleSizes();
} finally {
  loadable.cleanup();
}
console.log(JSON.stringify(result));
