import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { listInputFiles, readInputFile, type InputEvent } from '../../src/data/records.js';
import { craftedCorpus, jsonlBytes, record, story, tempDir, writeFiles, writeParquet, writeTarGz } from './corpus.js';

async function collect(it: AsyncIterable<InputEvent>): Promise<InputEvent[]> {
  const out: InputEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}
const stories = (evs: InputEvent[]) => evs.filter((e) => e.kind === 'story').map((e) => (e as { text: string }).text);
const issues = (evs: InputEvent[]) => evs.filter((e) => e.kind === 'issue') as Extract<InputEvent, { kind: 'issue' }>[];

describe('input readers', () => {
  const { lines } = craftedCorpus();
  const data = jsonlBytes(lines);

  it('reads JSON lines and reports each malformed line with file and line', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'a.jsonl': data });
    const evs = await collect(readInputFile(join(dir, 'a.jsonl')));
    expect(stories(evs)).toHaveLength(36);
    const bad = issues(evs);
    expect(bad.map((i) => [i.issue, i.line])).toEqual([
      ['malformed-json', 37], ['invalid-utf8', 38], ['missing-field', 39], ['not-a-string', 40], ['malformed-json', 41],
    ]);
    expect(bad[0].source).toBe(join(dir, 'a.jsonl'));
    expect(bad[3].detail).toContain("field 'story_zh' is a number");
  });

  it('reads .jsonl.gz the same as .jsonl', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'a.jsonl': data, 'b.jsonl.gz': gzipSync(data) });
    const a = await collect(readInputFile(join(dir, 'a.jsonl')));
    const b = await collect(readInputFile(join(dir, 'b.jsonl.gz')));
    expect(stories(b)).toEqual(stories(a));
    expect(issues(b).map((i) => i.line)).toEqual(issues(a).map((i) => i.line));
  });

  it('streams a tar.gz like TinyStories_all_data_zh.tar.gz, member by member', async () => {
    const dir = tempDir();
    const tar = join(dir, 'TinyStories_all_data_zh.tar.gz');
    await writeTarGz(tar, [
      { name: 'data00_zh.jsonl', data },
      { name: 'README', data: Buffer.from('not data') },
      { name: 'data01_zh.jsonl.gz', data: gzipSync(jsonlBytes([record(story(7)), record(story(8))])) },
    ]);
    const evs = await collect(readInputFile(tar));
    expect(stories(evs)).toHaveLength(38);
    expect(issues(evs)[0].source).toBe(`${tar}:data00_zh.jsonl`);
    expect(issues(evs)[0].line).toBe(37);
    expect(evs.some((e) => e.kind === 'notice' && e.message.includes('README'))).toBe(true);
  });

  it('reports a truncated tar.gz instead of crashing', async () => {
    const dir = tempDir();
    const tar = join(dir, 'cut.tar.gz');
    await writeTarGz(tar, [{ name: 'data00_zh.jsonl', data: jsonlBytes(Array.from({ length: 200 }, (_, i) => record(story(i)))) }]);
    const { readFileSync, writeFileSync } = await import('node:fs');
    const bytes = readFileSync(tar);
    writeFileSync(tar, bytes.subarray(0, bytes.length >> 1));
    const evs = await collect(readInputFile(tar));
    expect(issues(evs).at(-1)?.issue).toBe('unreadable');
    expect(stories(evs).length).toBeLessThan(200);
  });

  it('reads parquet row groups, with nulls and numbers reported by row', async () => {
    const dir = tempDir();
    const p = join(dir, 'train-00000.parquet');
    const col: (string | null)[] = Array.from({ length: 25 }, (_, i) => story(i, 50));
    col[3] = null;
    writeParquet(p, { story_zh: col, id: Array.from({ length: 25 }, (_, i) => i) }, 10);
    const evs = await collect(readInputFile(p));
    expect(stories(evs)).toEqual(col.filter((x) => x !== null));
    expect(issues(evs).map((i) => [i.issue, i.line])).toEqual([['missing-field', 4]]);
    const wrong = await collect(readInputFile(p, { field: 'id' }));
    expect(issues(wrong)).toHaveLength(25);
    expect(issues(wrong)[0].issue).toBe('not-a-string');
  });

  it('falls back to the text field with a notice', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'books.jsonl': jsonlBytes([JSON.stringify({ text: '故事一', title: 't' }), JSON.stringify({ text: '故事二' })]) });
    const evs = await collect(readInputFile(join(dir, 'books.jsonl')));
    expect(stories(evs)).toEqual(['故事一', '故事二']);
    expect(evs[0]).toMatchObject({ kind: 'notice' });
  });

  it('reads blank-line separated .txt stories', async () => {
    const dir = tempDir();
    writeFiles(dir, { 's.txt': Buffer.concat([Buffer.from('第一个故事。\n第二行。\n\n\n第二个故事。\n\n'), Buffer.from([0xc3, 0x28, 0x0a]), Buffer.from('坏故事的下一行。\n\n最后一个故事。')]) });
    const evs = await collect(readInputFile(join(dir, 's.txt')));
    expect(stories(evs)).toEqual(['第一个故事。\n第二行。', '第二个故事。', '最后一个故事。']);
    expect(issues(evs).map((i) => [i.issue, i.line])).toEqual([['invalid-utf8', 7]]);
  });

  it('lists folders recursively in sorted order and rejects unknown inputs', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'b/2.jsonl': '', 'b/1.txt': '', 'a.jsonl.gz': gzipSync(''), 'notes.md': '' });
    const files = await listInputFiles([dir]);
    expect(files.map((f) => f.path.slice(dir.length + 1))).toEqual(['a.jsonl.gz', 'b/1.txt', 'b/2.jsonl']);
    await expect(listInputFiles([join(dir, 'notes.md')])).rejects.toThrow(/unsupported file type/);
    await expect(listInputFiles([join(dir, 'missing.jsonl')])).rejects.toThrow(/does not exist/);
  });
});
