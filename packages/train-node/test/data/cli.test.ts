// End-to-end through the built CLI (dist/cli.js, built by `npm test` via turbo) with the real
// @tinyzh/tokenizer: worker threads give the same shards as the main thread alone, and the shards decode
// back to the cleaned stories.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { jsonlBytes, record, story, tempDir, writeFiles, writeParquet, writeTarGz } from './corpus.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cli = join(root, 'dist/cli.js');
let tokenizerBuilt = false;
try {
  tokenizerBuilt = existsSync(join(dirname(fileURLToPath(import.meta.resolve('@tinyzh/tokenizer'))), 'index.js'));
} catch { /* not built */ }

function tinyzh(...args: string[]) {
  return spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
}

describe.skipIf(!existsSync(cli) || !tokenizerBuilt)('tinyzh-train prepare / tokenizer (built CLI, real tokenizer)', () => {
  it('gives byte-identical shards with 2 worker threads and with none, from tar.gz + jsonl.gz + parquet', async () => {
    const dir = tempDir();
    const stories = Array.from({ length: 400 }, (_, i) => story(i, 50 + (i % 60)));
    await writeTarGz(join(dir, 'in/TinyStories_all_data_zh.tar.gz'), [
      { name: 'data00_zh.jsonl', data: jsonlBytes(stories.slice(0, 150).map((s) => record(s))) },
      { name: 'data01_zh.jsonl', data: jsonlBytes(stories.slice(150, 250).map((s) => record(s))) },
    ]);
    writeFiles(dir, { 'in/more.jsonl.gz': gzipSync(jsonlBytes(stories.slice(250, 350).map((s) => record(s)))) });
    writeParquet(join(dir, 'in/rest.parquet'), { story_zh: stories.slice(350) }, 20);
    const common = ['--input', join(dir, 'in'), '--vocab-size', '600', '--val-fraction', '0.1', '--shard-tokens', '5000', '--quiet'];
    const a = tinyzh('prepare', ...common, '--out', join(dir, 'a'), '--workers', '2');
    expect(a.stderr).toMatch(/prepared/);
    expect(a.status).toBe(0);
    const b = tinyzh('prepare', ...common, '--out', join(dir, 'b'), '--workers', '0');
    expect(b.status).toBe(0);
    const ia = JSON.parse(readFileSync(join(dir, 'a/index.json'), 'utf8'));
    expect(ia.splits.train.documents + ia.splits.val.documents).toBe(400);
    expect(ia.splits.train.shards.length).toBeGreaterThan(2);
    for (const split of ['train', 'val']) {
      for (const f of readdirSync(join(dir, 'a', split))) {
        expect(readFileSync(join(dir, 'b', split, f)).equals(readFileSync(join(dir, 'a', split, f))), `${split}/${f}`).toBe(true);
      }
    }
    expect(readFileSync(join(dir, 'b/tokenizer.json')).equals(readFileSync(join(dir, 'a/tokenizer.json')))).toBe(true);

    // the first train story decodes back to its text
    const { Tokenizer, initTokenizer } = await import('@tinyzh/tokenizer');
    await initTokenizer();
    const tok = await Tokenizer.fromJSON(readFileSync(join(dir, 'a/tokenizer.json'), 'utf8'));
    const buf = readFileSync(join(dir, 'a', ia.splits.train.shards[0].file));
    const ids = new Uint16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    const end = ids.indexOf(2);
    expect(stories).toContain(tok.decode(ids.subarray(0, end)));
  });

  it('trains a tokenizer from the command line and explains bad flags without a stack trace', () => {
    const dir = tempDir();
    writeFiles(dir, { 'c.jsonl': jsonlBytes(Array.from({ length: 50 }, (_, i) => record(story(i, 80)))) });
    const r = tinyzh('tokenizer', '--input', join(dir, 'c.jsonl'), '--vocab-size', '500', '--out', join(dir, 'tok.json'));
    expect(r.status).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'tok.json'), 'utf8')).model.type).toBe('BPE');
    const bad = tinyzh('prepare', '--input', join(dir, 'c.jsonl'), '--out', join(dir, 'o'), '--val-fraction', 'lots');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--val-fraction: expected a number/);
    const neg = tinyzh('prepare', '--input', join(dir, 'c.jsonl'), '--out', join(dir, 'o'), '--val-fraction', '-0.1');
    expect(neg.status).toBe(2);
    expect(neg.stderr).toMatch(/--val-fraction: expected a number in 0\.\.0\.99, got '-0\.1'/);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
    const missing = tinyzh('prepare', '--input', join(dir, 'nope.jsonl'), '--out', join(dir, 'o'));
    expect(missing.stderr).toMatch(/does not exist/);
    expect(tinyzh('prepare', '--help').stdout).toMatch(/--near-dup-threshold/);
  });

  it('refuses an empty corpus for the tokenizer, counts unreadable lines and warns about a too small val split', () => {
    const dir = tempDir();
    writeFiles(dir, {
      'empty.jsonl': '',
      'bad.jsonl': '{"story_zh": 1}\nnot json\n{"x": 2}\n',
      'c.jsonl': jsonlBytes(Array.from({ length: 50 }, (_, i) => record(story(i, 80)))),
    });
    const empty = tinyzh('tokenizer', '--input', join(dir, 'empty.jsonl'), '--vocab-size', '300', '--out', join(dir, 't.json'));
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/tokenizer: no story to train on/);
    expect(existsSync(join(dir, 't.json'))).toBe(false);
    const small = tinyzh('tokenizer', '--input', join(dir, 'c.jsonl'), '--vocab-size', '283', '--out', join(dir, 't.json'));
    expect(small.status).toBe(2);
    expect(small.stderr).toMatch(/--vocab-size: expected an integer in 284\.\./);
    const bad = tinyzh('prepare', '--input', join(dir, 'bad.jsonl'), '--out', join(dir, 'o1'), '--quiet');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/no story survived cleaning \(read 3 records: 0 stories, 3 unreadable\)/);
    const few = tinyzh('prepare', '--input', join(dir, 'c.jsonl'), '--out', join(dir, 'o2'), '--vocab-size', '300', '--quiet', '--workers', '0');
    expect(few.status).toBe(0);
    expect(few.stderr).toMatch(/warning: the validation split has only \d+ tokens .*larger --val-fraction/);
  });
});
