#!/usr/bin/env node
// Tokenizer benchmark (npm run bench). Progress on stderr; the last stdout line is one JSON object.
//
// 1. trainBpe vs SentencePiece's BPE trainer on the same corpus (the synthetic 20k stories, one paragraph a line):
//    training seconds and tokens per character.
// 2. Encode throughput (MB of UTF-8 per second, best of several passes, one thread) on the shared Chinese corpora
//    plus synthetic stories, with the tokenizer.json from step 1: ours (WebAssembly) vs @huggingface/tokenizers
//    (JavaScript, what transformers.js v4 uses) vs the native Hugging Face `tokenizers` (Python binding, Rust,
//    RAYON_NUM_THREADS=1, encode in a loop). All measured in this run; ratios = ours / reference.
//
// Env: TINYZH_SHARED_DATA (default ../shared/data), TINYZH_SYNTH_20K (default /tmp/synth-20k.jsonl, generated with
// ../shared/tools/synth_stories_zh.py when missing), PYTHON (with `tokenizers`, default python3), SPM_PYTHON (with
// `sentencepiece`, default /usr/bin/python3), TINYZH_SYNTH_200K (default /tmp/synth-200k.jsonl: when present, or
// with --large (generates it, ~70 s), trainBpe alone is also timed on it, 160 MB of stories). --quick: smaller inputs.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer as HfJsTokenizer } from '@huggingface/tokenizers';
import { Tokenizer, trainBpe } from '../dist/index.js';
import { loadCorpora, SHARED_DATA } from '../scripts/corpora.mjs';

const quick = process.argv.includes('--quick');
const here = fileURLToPath(new URL('.', import.meta.url));
const log = (...a) => console.error('[tokenizer bench]', ...a);
const PYTHON = process.env.PYTHON ?? 'python3';
const SPM_PYTHON = process.env.SPM_PYTHON ?? '/usr/bin/python3';
const VOCAB = 8000;

let synthPath = process.env.TINYZH_SYNTH_20K ?? '/tmp/synth-20k.jsonl';
if (!existsSync(synthPath)) {
  log(`generating ${synthPath}`);
  const tool = resolve(SHARED_DATA, '..', 'tools', 'synth_stories_zh.py');
  try {
    execFileSync('python3', [tool, '--count', '20000', '--seed', '1', '--out', synthPath], { stdio: ['ignore', 'ignore', 'inherit'] });
  } catch (e) {
    synthPath = resolve(SHARED_DATA, 'synthetic-zh', 'sample-2k.jsonl');
    log(`cannot generate the synthetic corpus (${e.message.split('\n')[0]}); using ${synthPath}`);
  }
}
log(`synthetic corpus: ${synthPath}`);
const synth = readFileSync(synthPath, 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l).story_zh);
const paragraphs = synth.flatMap((s) => s.split('\n')).filter((l) => l.length > 0);
const trainParagraphs = quick ? paragraphs.slice(0, 20000) : paragraphs;
const bytes = (texts) => texts.reduce((a, s) => a + Buffer.byteLength(s), 0);
const chars = (texts) => texts.reduce((a, s) => a + [...s].length, 0);

const work = mkdtempSync(join(tmpdir(), 'tinyzh-tok-bench-'));
try {
  // 1. Training.
  log(`training: ${trainParagraphs.length} paragraphs, ${(bytes(trainParagraphs) / 1e6).toFixed(1)} MB, vocab ${VOCAB}`);
  let t0 = performance.now();
  const tok = await trainBpe(trainParagraphs, { vocabSize: VOCAB, minFrequency: 2, characterCoverage: 0.9995 });
  const oursTrainSeconds = (performance.now() - t0) / 1000;
  let oursTokens = 0;
  for (const p of trainParagraphs) oursTokens += tok.encode(p).length;
  const corpusChars = chars(trainParagraphs);
  const tokJson = join(work, 'tokenizer.json');
  writeFileSync(tokJson, tok.toJSON());
  log(`trainBpe: ${oursTrainSeconds.toFixed(2)} s, ${(oursTokens / corpusChars).toFixed(4)} tokens/char`);

  // trainBpe alone on 100 MB+ (the 200k synthetic stories) when that file exists or --large is given.
  const largePath = process.env.TINYZH_SYNTH_200K ?? '/tmp/synth-200k.jsonl';
  let large = null;
  if (!quick && (existsSync(largePath) || process.argv.includes('--large'))) {
    if (!existsSync(largePath)) {
      log(`generating ${largePath} (~70 s)`);
      const tool = resolve(SHARED_DATA, '..', 'tools', 'synth_stories_zh.py');
      execFileSync('python3', [tool, '--count', '200000', '--seed', '1', '--out', largePath], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    let largeBytes = 0;
    async function* largeStories() {
      const rl = createInterface({ input: createReadStream(largePath), crlfDelay: Infinity });
      for await (const l of rl) {
        if (!l.trim()) continue;
        const s = JSON.parse(l).story_zh;
        largeBytes += Buffer.byteLength(s);
        yield s;
      }
    }
    const tl = performance.now();
    const big = await trainBpe(largeStories(), { vocabSize: VOCAB });
    large = { corpus_mb: largeBytes / 1e6, seconds: (performance.now() - tl) / 1000 };
    big.dispose();
    log(`trainBpe on ${largePath}: ${large.corpus_mb.toFixed(1)} MB in ${large.seconds.toFixed(2)} s (streamed, incl. JSON parsing)`);
  }

  const corpusTxt = join(work, 'corpus.txt');
  writeFileSync(corpusTxt, trainParagraphs.join('\n') + '\n');
  let spm = null;
  try {
    const out = execFileSync(SPM_PYTHON, [join(here, 'native.py'), 'spm', corpusTxt, String(VOCAB), join(work, 'spm')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    spm = JSON.parse(out.trim().split('\n').pop());
    log(`SentencePiece ${spm.version}: ${spm.seconds.toFixed(2)} s, ${(spm.tokens / spm.chars).toFixed(4)} tokens/char`);
  } catch (e) {
    log(`SentencePiece skipped: ${e.message.split('\n')[0]}`);
  }

  // 2. Encode throughput.
  const corpora = loadCorpora();
  const zhShared = [...corpora['tinystories-zh'], ...corpora['storybooks-zh'], ...corpora['synthetic-zh']];
  const target = quick ? 1e6 : 4e6;
  const texts = [...zhShared];
  for (let i = 2000; i < synth.length && bytes(texts) < target; i += 50) texts.push(...synth.slice(i, i + 50));
  const mb = bytes(texts) / 1e6;
  writeFileSync(join(work, 'texts.json'), JSON.stringify(texts));
  log(`encode: ${texts.length} texts, ${mb.toFixed(2)} MB (shared tinystories-zh, storybooks-zh, synthetic-zh + synthetic stories)`);

  const checksum = (arrays) => {
    let c = 0;
    let n = 0;
    for (const ids of arrays) for (const id of ids) (c = (c * 31 + id) % 1000000007), n++;
    return { n, c };
  };
  const best = (passes, f) => {
    let b = Infinity;
    for (let r = 0; r < passes; r++) {
      const t = performance.now();
      f();
      b = Math.min(b, (performance.now() - t) / 1000);
    }
    return b;
  };

  const ours = await Tokenizer.fromJSON(readFileSync(tokJson, 'utf8'));
  let t1 = performance.now();
  const oursIds = texts.map((s) => ours.encode(s)); // first pass: cold word cache
  const oursFirstSeconds = (performance.now() - t1) / 1000;
  const oursSeconds = best(5, () => {
    for (const s of texts) ours.encode(s);
  });
  const oursSum = checksum(oursIds);
  log(`ours: ${(mb / oursSeconds).toFixed(2)} MB/s (first pass, cold cache: ${(mb / oursFirstSeconds).toFixed(2)} MB/s)`);

  const hfjs = new HfJsTokenizer(JSON.parse(readFileSync(tokJson, 'utf8')), {});
  // The JS tokenizer is slow: time it on a prefix of the texts (same mix) to keep the bench short.
  const jsTexts = texts.slice(0, Math.max(1, Math.round(texts.length / (quick ? 2 : 4))));
  const jsMb = bytes(jsTexts) / 1e6;
  const jsIds = jsTexts.map((s) => hfjs.encode(s, { add_special_tokens: false }).ids);
  const jsSame = checksum(jsIds).c === checksum(oursIds.slice(0, jsTexts.length)).c;
  const jsSeconds = best(2, () => {
    for (const s of jsTexts) hfjs.encode(s, { add_special_tokens: false });
  });
  log(`@huggingface/tokenizers (JS): ${(jsMb / jsSeconds).toFixed(2)} MB/s on ${jsMb.toFixed(2)} MB, same ids: ${jsSame}`);

  let native = null;
  try {
    const out = execFileSync(PYTHON, [join(here, 'native.py'), 'encode', tokJson, join(work, 'texts.json'), '5'], {
      encoding: 'utf8',
      env: { ...process.env, RAYON_NUM_THREADS: '1', TOKENIZERS_PARALLELISM: 'false' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    native = JSON.parse(out.trim().split('\n').pop());
    log(`native tokenizers ${native.version}: ${(mb / native.seconds).toFixed(2)} MB/s (first pass ${(mb / native.first_pass_seconds).toFixed(2)}), same ids: ${native.checksum === oursSum.c && native.ids === oursSum.n}`);
  } catch (e) {
    log(`native Hugging Face tokenizers skipped: ${e.message.split('\n')[0]}`);
  }

  const r = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  const result = {
    bench: '@tinyzh/tokenizer',
    quick,
    encode: {
      mb: r(mb),
      ours_mb_s: r(mb / oursSeconds),
      ours_first_pass_mb_s: r(mb / oursFirstSeconds),
      hf_js_mb_s: r(jsMb / jsSeconds),
      hf_native_mb_s: native ? r(mb / native.seconds) : null,
      hf_native_first_pass_mb_s: native ? r(mb / native.first_pass_seconds) : null,
      ratio_vs_hf_js: r(mb / oursSeconds / (jsMb / jsSeconds)),
      ratio_vs_hf_native: native ? r(mb / oursSeconds / (mb / native.seconds)) : null,
      same_ids_hf_js: jsSame,
      same_ids_hf_native: native ? native.checksum === oursSum.c && native.ids === oursSum.n : null,
    },
    train: {
      corpus: synthPath,
      corpus_mb: r(bytes(trainParagraphs) / 1e6),
      vocab_size: VOCAB,
      ours_seconds: r(oursTrainSeconds),
      ours_tokens_per_char: r(oursTokens / corpusChars),
      spm_seconds: spm ? r(spm.seconds) : null,
      spm_tokens_per_char: spm ? r(spm.tokens / spm.chars) : null,
      ratio_train_speed_vs_spm: spm ? r(spm.seconds / oursTrainSeconds) : null,
      large_corpus_mb: large ? r(large.corpus_mb) : null,
      large_ours_seconds: large ? r(large.seconds) : null,
    },
  };
  console.log(JSON.stringify(result));
} finally {
  rmSync(work, { recursive: true, force: true });
}
