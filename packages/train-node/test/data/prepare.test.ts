import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepare, PREPARE_DEFAULTS, type PrepareOptions } from '../../src/data/prepare.js';
import { setTokenizerModule } from '../../src/data/tokenizer-module.js';
import { craftedCorpus, fakeTokenizerModule, jsonlBytes, record, story, tempDir, writeFiles } from './corpus.js';

const u16 = (b: Buffer) => new Uint16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
const u32 = (b: Buffer) => new Uint32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

function options(inputs: string[], out: string, extra: Partial<PrepareOptions> = {}): PrepareOptions {
  return { ...PREPARE_DEFAULTS, inputs, out, workers: 0, quiet: true, log: () => {}, ...extra };
}

describe('prepare (character-level stand-in tokenizer)', () => {
  beforeAll(() => setTokenizerModule(fakeTokenizerModule()));
  afterAll(() => setTokenizerModule(undefined));

  it('removes the planted duplicates, short and low-quality stories with the expected counts', async () => {
    const dir = tempDir();
    const { lines, expected } = craftedCorpus();
    writeFiles(dir, { 'corpus.jsonl': jsonlBytes(lines) });
    const out = join(dir, 'out');
    const { index, report } = await prepare(options([join(dir, 'corpus.jsonl')], out, { valFraction: 0.2 }));
    expect(report.read.records).toBe(expected.records);
    for (const k of ['malformed-json', 'invalid-utf8', 'missing-field', 'not-a-string'] as const) expect(report.read.skipped[k], k).toBe(expected[k]);
    for (const k of ['empty', 'exact-dup', 'near-dup', 'min-chars', 'cjk-share', 'char-run', 'mojibake', 'unbalanced-quotes', 'markup'] as const) {
      expect(report.removed[k].count, k).toBe(expected[k]);
    }
    expect(report.changed.t2s.count).toBe(expected.t2s);
    expect(index.splits.train.documents + index.splits.val.documents).toBe(expected.kept);
    expect(index.splits.val.documents).toBeGreaterThan(0);
    expect(report.removed['near-dup'].examples[0].source).toBe(join(dir, 'corpus.jsonl'));
    expect(report.removed['near-dup'].examples.map((e) => e.line)).toEqual([24, 25]);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('| near-dup |');
    expect(md).toContain('corpus.jsonl:37');

    // the shards hold every kept story followed by </s>
    expect(index.dtype).toBe('uint16');
    expect(index.eos_id).toBe(2);
    const shard = index.splits.train.shards[0];
    const tokens = u16(readFileSync(join(out, shard.file)));
    expect(tokens.length).toBe(shard.tokens);
    const offsets = u32(readFileSync(join(out, shard.offsets)));
    expect(offsets.length).toBe(shard.documents + 1);
    for (let d = 1; d <= shard.documents; d++) expect(tokens[offsets[d] - 1]).toBe(2);
    expect(index.splits.train.chars).toBe(index.splits.train.tokens - index.splits.train.documents);
    expect(existsSync(join(out, '.work'))).toBe(false);
  });

  it('writes byte-identical shards for the same input, whatever the batch size', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 300 }, (_, i) => record(story(i, 60 + (i % 50))));
    writeFiles(dir, { 'c.jsonl': jsonlBytes(lines) });
    const a = await prepare(options([join(dir, 'c.jsonl')], join(dir, 'a'), { shardTokens: 4096, valFraction: 0.1 }));
    const b = await prepare(options([join(dir, 'c.jsonl')], join(dir, 'b'), { shardTokens: 4096, valFraction: 0.1, batchSize: 7 }));
    expect(a.index.splits.val.documents).toBeGreaterThan(10);
    expect(a.index.splits.train.shards.length).toBeGreaterThan(3);
    expect(b.index.splits).toEqual(a.index.splits);
    for (const split of ['train', 'val']) {
      for (const f of readdirSync(join(dir, 'a', split))) {
        expect(readFileSync(join(dir, 'b', split, f)).equals(readFileSync(join(dir, 'a', split, f))), f).toBe(true);
      }
    }
  });

  it('resumes an interrupted run after the last finished shard', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'c.jsonl': jsonlBytes(Array.from({ length: 300 }, (_, i) => record(story(i, 80)))) });
    const input = [join(dir, 'c.jsonl')];
    const ref = await prepare(options(input, join(dir, 'ref'), { shardTokens: 4096 }));
    const out = join(dir, 'out');
    await prepare(options(input, out, { shardTokens: 4096, keepWork: true }));
    // Simulate a crash during tokenizing: only two train shards were finished.
    const statePath = join(out, '.work', 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8'));
    for (const s of state.splits.train.shards.slice(2)) rmSync(join(out, s.file));
    state.splits.train.shards = state.splits.train.shards.slice(0, 2);
    state.splits.train.complete = false;
    delete state.splits.val;
    writeFileSync(statePath, JSON.stringify(state));
    rmSync(join(out, 'index.json'));
    writeFileSync(join(out, 'train', 'shard-00002.bin.tmp-999'), 'partial');
    const logs: string[] = [];
    const again = await prepare(options(input, out, { shardTokens: 4096, log: (m) => logs.push(m) }));
    expect(logs.join('\n')).toMatch(/resuming the interrupted run/);
    expect(logs.join('\n')).toMatch(/train: resuming after 2 shards/);
    expect(again.index.splits).toEqual(ref.index.splits);
    for (const s of again.index.splits.train.shards) expect(readFileSync(join(out, s.file)).equals(readFileSync(join(dir, 'ref', s.file)))).toBe(true);
    expect(readdirSync(join(out, 'train')).some((f) => f.includes('.tmp-'))).toBe(false);
    // a finished folder is left alone; other options need --force
    const logs2: string[] = [];
    await prepare(options(input, out, { shardTokens: 4096, log: (m) => logs2.push(m) }));
    expect(logs2.join('\n')).toMatch(/already prepared/);
    await expect(prepare(options(input, out, { shardTokens: 8192 }))).rejects.toThrow(/--force/);
    const forced = await prepare(options(input, out, { shardTokens: 8192, force: true }));
    expect(forced.index.shard_tokens).toBe(8192);
  });

  it('resumes an interrupted cleaning stage from its last checkpoint', async () => {
    const dir = tempDir();
    const lines: string[] = Array.from({ length: 300 }, (_, i) => record(story(i % 280, 80)));
    lines.splice(210, 0, '{"broken');
    writeFiles(dir, { 'c.jsonl': jsonlBytes(lines) });
    const input = [join(dir, 'c.jsonl')];
    const ref = await prepare(options(input, join(dir, 'ref'), { shardTokens: 4096, checkpointEvery: 50 }));
    const out = join(dir, 'out');
    // The first run dies while cleaning (at the malformed line, after the checkpoints at 50…200 records).
    const crash = (m: string) => { if (m.includes('malformed-json')) throw new Error('simulated crash'); };
    await expect(prepare(options(input, out, { shardTokens: 4096, checkpointEvery: 50, log: crash }))).rejects.toThrow('simulated crash');
    expect(existsSync(join(out, '.work', 'clean-checkpoint.json'))).toBe(true);
    const logs: string[] = [];
    const again = await prepare(options(input, out, { shardTokens: 4096, checkpointEvery: 50, log: (m) => logs.push(m) }));
    expect(logs.join('\n')).toMatch(/cleaning: resuming after 200 records \(checkpoint 4\)/);
    expect(again.report.removed).toEqual(ref.report.removed);
    expect(again.report.read).toEqual(ref.report.read);
    expect(again.report.removed['exact-dup'].count).toBe(20);
    expect(again.index.splits).toEqual(ref.index.splits);
    for (const s of again.index.splits.train.shards) expect(readFileSync(join(out, s.file)).equals(readFileSync(join(dir, 'ref', s.file)))).toBe(true);
  });

  it('rejects bad options and empty results with clear messages', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'c.jsonl': jsonlBytes([record('短。')]) });
    await expect(prepare(options([join(dir, 'c.jsonl')], join(dir, 'o')))).rejects.toThrow(/no story survived cleaning/);
    await expect(prepare(options([join(dir, 'c.jsonl')], join(dir, 'o2'), { valFraction: 2 }))).rejects.toThrow(/--val-fraction/);
  });
});
