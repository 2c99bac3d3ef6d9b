// Decode speed and time to first token of @tinyzh/runtime-web in Node (onnxruntime-web WASM, and device 'cpu':
// onnxruntime-node) next to bare KV-cache loops on onnxruntime-web and onnxruntime-node (native CPU) and
// transformers.js on the same model folder, measured in this run; then Chromium (chromium.mjs); bundle sizes.
// Greedy decoding of the same prompt ids, the engines taking turns (see interleave()); TINYZH_BENCH_REPEAT rounds (15)
// after two warm-up rounds. Progress goes to stderr; the last stdout line is one JSON object.
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
const REPEAT = Number(process.env.TINYZH_BENCH_REPEAT ?? 15);
const PROMPT = '从前，有一只小猫';
log(`model ${modelDir} (vocab ${config.vocab_size}, ${config.num_hidden_layers} layers, hidden ${config.hidden_size}); ${NEW} new tokens, ${REPEAT} rounds`);

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

// Each engine is a runner: `story()` decodes one greedy story and returns { tokensPerSecond, timeToFirstTokenMs,
// tokens }. The runners take turns, one story each per round (the order rotates), so that a change in the load of
// this shared machine hits all of them alike; the first two rounds are warm-up. Each engine reports its median and
// best story; the ratios compare medians.

async function runtimeWebRunner(dir, numThreads, dtype = 'fp32', device = 'wasm') {
  const { createStoryteller } = await import('../dist/index.js');
  const teller = await createStoryteller({ model: dir, device, numThreads, dtype, cache: false });
  return {
    async story() {
      const r = await teller.generate(PROMPT, { temperature: 0, maxNewTokens: NEW }).result;
      return { tokensPerSecond: r.tokensPerSecond, timeToFirstTokenMs: r.timeToFirstTokenMs, tokens: r.tokens };
    },
    dispose: () => teller.dispose(),
  };
}

async function promptIdsOf(dir) {
  const { Tokenizer, initTokenizer } = await import('@tinyzh/tokenizer');
  await initTokenizer();
  const tok = await Tokenizer.fromJSON(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const ids = [config.eos_token_id, ...tok.encode(PROMPT)]; // as the engine feeds it: the story starts after </s>
  tok.dispose();
  return ids;
}

// A bare KV-cache loop with argmax on the CPU (no tokenizer, sampler or streaming), on
// - onnxruntime-node (`ortWeb` false; `threads`: intra-op threads, undefined: onnxruntime's default, one per core);
// - onnxruntime-web's WASM backend (`ortWeb` true), the build this package runs in Node, 1 thread.
async function ortLoopRunner(ids, { threads, ortWeb = false } = {}) {
  const file = join(modelDir, 'onnx/model.onnx');
  let ort, session;
  if (ortWeb) {
    ort = await import(req.resolve('onnxruntime-web'));
    ort.env.wasm.numThreads = 1;
    session = await ort.InferenceSession.create(readFileSync(file), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  } else {
    ort = req('onnxruntime-node');
    session = await ort.InferenceSession.create(file, threads ? { intraOpNumThreads: threads } : {});
  }
  const L = config.num_hidden_layers, H = config.num_key_value_heads, D = config.head_dim ?? config.hidden_size / config.num_attention_heads;
  return {
    async story() {
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
      return { tokensPerSecond: ((n - 1) * 1000) / (tEnd - tFirst), timeToFirstTokenMs: tFirst - t0, tokens: n };
    },
    dispose: () => session.release(),
  };
}

// transformers.js on the same folder (its Node backend is onnxruntime-node; logits come back to JS every step).
async function transformersJsRunner(ids) {
  const tf = await import(req.resolve('@huggingface/transformers'));
  tf.env.allowRemoteModels = false;
  tf.env.localModelPath = dirname(modelDir) + '/';
  const model = await tf.AutoModelForCausalLM.from_pretrained(basename(modelDir), { dtype: 'fp32', device: 'cpu' });
  const input_ids = new tf.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, ids.length]);
  const attention_mask = new tf.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  return {
    async story() {
      const stamps = [];
      const streamer = { put: () => stamps.push(performance.now()), end: () => {} };
      const t0 = performance.now();
      const out = await model.generate({ input_ids, attention_mask, max_new_tokens: NEW, do_sample: false, streamer });
      // put() is called with the prompt first, then once per new token
      const tokenStamps = stamps.slice(1);
      return {
        tokensPerSecond: ((tokenStamps.length - 1) * 1000) / (tokenStamps.at(-1) - tokenStamps[0]),
        timeToFirstTokenMs: tokenStamps[0] - t0,
        tokens: out.dims[1] - ids.length,
      };
    },
    dispose: async () => model.dispose?.(),
  };
}

/**
 * Runs `rounds` rounds (plus two warm-up rounds) of one story per runner, rotating who goes first.
 * @returns per runner: median and best tokens/s, median time to first token, tokens, and the first story's tokens/s.
 */
const PAUSE_MS = Number(process.env.PAUSE ?? 20);
async function interleave(runners, rounds) {
  const names = Object.keys(runners);
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  const first = {};
  for (let r = 0; r < rounds + 2; r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(r + k) % names.length];
      await new Promise((r) => setTimeout(r, PAUSE_MS));
      const x = await runners[name].story();
      first[name] ??= x.tokensPerSecond;
      if (r >= 2) runs[name].push(x);
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  return Object.fromEntries(
    names.map((n) => [
      n,
      {
        tokensPerSecond: median(runs[n].map((x) => x.tokensPerSecond)),
        bestTokensPerSecond: Math.max(...runs[n].map((x) => x.tokensPerSecond)),
        timeToFirstTokenMs: median(runs[n].map((x) => x.timeToFirstTokenMs)),
        tokens: runs[n][0].tokens,
        firstStoryTokensPerSecond: first[n],
      },
    ]),
  );
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

const result = { model: modelDir, newTokens: NEW, rounds: REPEAT, prompt: PROMPT };
const loadable = await loadableModel();
try {
  const ids = await promptIdsOf(loadable.dir);
  log(`Node: runtime-web (wasm, 1 thread; cpu), bare loops on onnxruntime-web and onnxruntime-node, transformers.js; ${REPEAT} rounds …`);
  const runners = {
    runtimeWebNodeWasm: await runtimeWebRunner(loadable.dir, 1),
    runtimeWebNodeCpu: await runtimeWebRunner(loadable.dir, undefined, 'fp32', 'cpu'),
    onnxruntimeWebLoop: await ortLoopRunner(ids, { ortWeb: true }),
    onnxruntimeNode: await ortLoopRunner(ids),
    onnxruntimeNode1Thread: await ortLoopRunner(ids, { threads: 1 }),
  };
  try {
    runners.transformersJs = await transformersJsRunner(ids);
  } catch (e) {
    result.transformersJs = { error: `transformers.js not available: ${String(e?.message ?? e).split('\n')[0]}` };
  }
  Object.assign(result, await interleave(runners, REPEAT));
  for (const r of Object.values(runners)) await r.dispose();
  // The other ONNX files of the folder (smaller downloads) on the same WASM backend, 3 rounds each.
  result.runtimeWebNodeWasmByDtype = {};
  for (const dtype of ['fp16', 'q8', 'q4']) {
    log(`runtime-web (wasm, 1 thread), dtype ${dtype} …`);
    try {
      const runner = await runtimeWebRunner(loadable.dir, 1, dtype);
      const r = (await interleave({ [dtype]: runner }, 3))[dtype];
      await runner.dispose();
      result.runtimeWebNodeWasmByDtype[dtype] = { tokensPerSecond: r.tokensPerSecond, tokens: r.tokens };
    } catch (e) {
      result.runtimeWebNodeWasmByDtype[dtype] = { error: String(e?.message ?? e).split('\n')[0] };
    }
  }
  const r = result.runtimeWebNodeWasm.tokensPerSecond;
  result.ratios = {
    note: 'medians of stories taken in turns with the reference',
    runtimeWebOverOnnxruntimeNode: r / result.onnxruntimeNode.tokensPerSecond,
    runtimeWebOverOnnxruntimeNode1Thread: r / result.onnxruntimeNode1Thread.tokensPerSecond,
    runtimeWebOverTransformersJs: result.transformersJs.tokensPerSecond ? r / result.transformersJs.tokensPerSecond : null,
    runtimeWebOverOnnxruntimeWebLoop: r / result.onnxruntimeWebLoop.tokensPerSecond,
    runtimeWebCpuOverOnnxruntimeNode: result.runtimeWebNodeCpu.tokensPerSecond / result.onnxruntimeNode.tokensPerSecond,
    runtimeWebCpuOverTransformersJs: result.transformersJs.tokensPerSecond ? result.runtimeWebNodeCpu.tokensPerSecond / result.transformersJs.tokensPerSecond : null,
    onnxruntimeWebLoopOverOnnxruntimeNode1Thread: result.onnxruntimeWebLoop.tokensPerSecond / result.onnxruntimeNode1Thread.tokensPerSecond,
  };
  try {
    const { benchChromium } = await import('./chromium.mjs');
    result.chromiumWasm = await benchChromium(loadable.dir, NEW, Math.min(REPEAT, 8), log, ids);
  } catch (e) {
    result.chromiumWasm = { error: String(e?.message ?? e).split('\n')[0] };
  }
  log('bundle sizes …');
  result.bundle = await bundleSizes();
} finally {
  loadable.cleanup();
}
console.log(JSON.stringify(result));
