#!/usr/bin/env node
// Larger parity check than the committed fixtures (run by hand after `npx tsup`; needs ../shared/data and Python
// with `tokenizers`): trains a vocabulary-8000 tokenizer on every shared corpus, then compares our ids with native
// Hugging Face `tokenizers` and transformers.js on every record of every corpus plus 3,000 random strings
// (CJK, ASCII, CJK punctuation, emoji, any code point). Prints one JSON line; exit 1 on any mismatch.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { trainBpe } from '../dist/index.js';
import { loadCorpora } from './corpora.mjs';

const all = Object.values(loadCorpora()).flat();
const tok = await trainBpe(all, { vocabSize: 8000, minFrequency: 2 });
let a = 5;
const rnd = () => {
  a = (a + 0x6d2b79f5) | 0;
  let t = Math.imul(a ^ (a >>> 15), 1 | a);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const texts = [...all];
for (let i = 0; i < 3000; i++) {
  let s = '';
  for (let k = 1 + Math.floor(rnd() * 40); k > 0; k--) {
    const r = rnd();
    let cp = r < 0.4 ? 0x4e00 + Math.floor(rnd() * 0x5200) : r < 0.6 ? 0x20 + Math.floor(rnd() * 0x5f) : r < 0.7 ? 0x3000 + Math.floor(rnd() * 0x40) : r < 0.8 ? 0x1f300 + Math.floor(rnd() * 0x300) : Math.floor(rnd() * 0x110000);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
    s += String.fromCodePoint(cp);
  }
  texts.push(s);
}
const ours = texts.map((t) => Array.from(tok.encode(t)));
const roundTrip = texts.filter((t, i) => tok.decode(ours[i]) !== t).length;

const dir = mkdtempSync(join(tmpdir(), 'tinyzh-parity-'));
try {
  mkdirSync(join(dir, 'tok'));
  writeFileSync(join(dir, 'tok', 'tokenizer.json'), tok.toJSON());
  copyFileSync(new URL('../test/fixtures/tokenizer_config.json', import.meta.url), join(dir, 'tok', 'tokenizer_config.json'));
  writeFileSync(join(dir, 'texts.json'), JSON.stringify(texts));
  writeFileSync(join(dir, 'ours.json'), JSON.stringify(ours));
  const py = `import json,sys
from tokenizers import Tokenizer
t=Tokenizer.from_file(sys.argv[1]+'/tok/tokenizer.json')
texts=json.load(open(sys.argv[1]+'/texts.json'));ours=json.load(open(sys.argv[1]+'/ours.json'))
print(sum(1 for s,o in zip(texts,ours) if t.encode(s,add_special_tokens=False).ids!=o), sum(1 for s,o in zip(texts,ours) if t.decode(o,skip_special_tokens=False)!=s))`;
  const [nativeEncode, nativeDecode] = execFileSync(process.env.PYTHON ?? 'python3', ['-c', py, dir], { encoding: 'utf8' }).trim().split(' ').map(Number);
  env.allowRemoteModels = false;
  env.localModelPath = dir + '/';
  const tjs = await AutoTokenizer.from_pretrained('tok');
  const tjsEncode = texts.filter((s, i) => JSON.stringify(tjs.encode(s, { add_special_tokens: false })) !== JSON.stringify(ours[i])).length;
  const result = { texts: texts.length, round_trip_failures: roundTrip, native_encode_mismatches: nativeEncode, native_decode_mismatches: nativeDecode, transformers_js_encode_mismatches: tjsEncode };
  console.log(JSON.stringify(result));
  if (roundTrip + nativeEncode + nativeDecode + tjsEncode > 0) process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
