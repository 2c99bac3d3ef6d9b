/** Builders of small test corpora in every supported layout, and a fake tokenizer. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { TokenizerLike, TokenizerModule } from '../../src/data/tokenizer-module.js';

export function tempDir(prefix = 'tinyzh-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const HANZI = '的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞';

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random "story": `n` hanzi with a full stop every 12–20 characters. Distinct seeds give dissimilar stories. */
export function story(seed: number, n = 200): string {
  const r = rng(seed);
  let s = '';
  let next = 12 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) {
    s += HANZI[Math.floor(r() * HANZI.length)];
    if (--next === 0) { s += i % 3 === 0 ? '，' : '。'; next = 12 + Math.floor(r() * 8); }
  }
  return s + '。';
}

/** A JSON line with the story under `story_zh` (and English beside it, as in the real data). */
export function record(text: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ story: 'An English story.', 'instruction': { 'prompt:': 'Write a story.' }, story_zh: text, ...extra });
}

/**
 * The crafted corpus: its lines (some malformed) and the counts every rule must report.
 * 20 distinct stories + planted problems.
 */
export function craftedCorpus(): { lines: (string | Buffer)[]; expected: Record<string, number> } {
  const base = Array.from({ length: 20 }, (_, i) => story(1000 + i));
  const lines: (string | Buffer)[] = base.map((s) => record(s));
  // exact duplicates: two copies, and one that only differs in whitespace / line breaks (same after normalisation)
  lines.push(record(base[0]), record(base[1]), record(`  ${base[2]}\u200B  `));
  // near duplicates: one character changed; the last 5 characters dropped
  const b3 = [...base[3]];
  b3[100] = b3[100] === '山' ? '水' : '山';
  lines.push(record(b3.join('')), record(base[4].slice(0, -5)));
  // too short
  lines.push(record('小猫睡觉了。'), record('从前有一只小狗，它很快乐。'));
  // not Chinese
  lines.push(record('Once upon a time there was a little dog named Max who loved to run in the park with his friends every day.'));
  // one character repeated
  lines.push(record(`${story(2001, 60)}啊啊啊啊啊啊啊啊啊啊啊啊啊啊啊${story(2002, 40)}`));
  // mojibake: replacement character; UTF-8 read as Latin-1
  lines.push(record(`${story(2003, 80)}\uFFFD${story(2004, 20)}`), record(`${story(2005, 80)}ä¸­æ–‡${story(2006, 20)}`));
  // unbalanced quotes
  lines.push(record(`${story(2007, 60)}他说：“我们走吧。${story(2008, 60)}`));
  // markup: an HTML tag; a literal backslash-n left by double escaping
  lines.push(record(`<p>${story(2009, 80)}</p>`), record(`${story(2010, 60)}\\n${story(2011, 60)}`));
  // Traditional Chinese (kept, converted)
  lines.push(record('從前有一個小女孩，她住在森林旁邊的小房子裡。每天早上，她都會去河邊看魚。有一天，她說：「我們一起去玩吧！」她的朋友們都很高興。'));
  // empty after normalisation
  lines.push(record(' \n\u200B '));
  // malformed: bad JSON, invalid UTF-8, missing field, non-string field, not an object
  lines.push('{"story_zh": "没有结束', Buffer.from([0x7b, 0x22, 0x73, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), JSON.stringify({ text2: '无' }), JSON.stringify({ story_zh: 42 }), '[1, 2]');
  lines.push(''); // blank line: ignored
  return {
    lines,
    expected: {
      records: 36, kept: 21, empty: 1, 'exact-dup': 3, 'near-dup': 2, 'min-chars': 2, 'cjk-share': 1, 'char-run': 1, mojibake: 2,
      'unbalanced-quotes': 1, markup: 2, t2s: 1,
      'malformed-json': 2, 'invalid-utf8': 1, 'missing-field': 1, 'not-a-string': 1,
    },
  };
}

/** Join lines into JSONL bytes. */
export function jsonlBytes(lines: (string | Buffer)[]): Buffer {
  return Buffer.concat(lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')]));
}

/** Write a `.tar.gz` with the given members (built with tar-stream, gzipped with node:zlib). */
export async function writeTarGz(path: string, members: { name: string; data: Buffer }[]): Promise<void> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  for (const m of members) pack.entry({ name: m.name, size: m.data.length }, m.data);
  pack.finalize();
  await done;
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, gzipSync(Buffer.concat(chunks)));
}

/** Write a parquet file with a `story_zh` column (hyparquet-writer), in row groups of `rowGroupSize`. */
export function writeParquet(path: string, columns: Record<string, (string | number | null)[]>, rowGroupSize = 1000): void {
  const columnData = Object.entries(columns).map(([name, data]) => ({ name, data, type: typeof data.find((x) => x !== null) === 'number' ? 'DOUBLE' as const : 'STRING' as const }));
  writeFileSync(path, Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize })));
}

export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [name, data] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
  }
}

/**
 * A character-level stand-in for `@tinyzh/tokenizer` (ids 268 + code point mod 4000, `</s>` = 2), for tests that
 * must not depend on the real tokenizer being built.
 */
export function fakeTokenizerModule(): TokenizerModule {
  const make = (vocabSize: number): TokenizerLike => ({
    vocabSize,
    eosId: 2,
    encode: (t: string) => Uint32Array.from([...t].map((c) => 268 + (c.codePointAt(0)! % (vocabSize - 268)))),
    encodeBatch(ts: string[]) { return ts.map((t) => this.encode(t)); },
    decode: () => '',
    toJSON: () => JSON.stringify({ fake: true, vocabSize }),
  });
  return {
    initTokenizer: async () => {},
    Tokenizer: { fromJSON: async (j: string | object) => make((typeof j === 'string' ? JSON.parse(j) : j).vocabSize) },
    trainBpe: async (corpus, o) => { for await (const _ of corpus) { /* consume */ } return make(o.vocabSize); },
  };
}
