// Unit tests of what the CLI reads besides the model: flags, openings and sampling defaults of a model folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStoryArgs, UsageError } from '../src/args.mjs';
import { readOpenings, readGenerationDefaults, pickOpening } from '../src/model-folder.mjs';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
function folder(files: Record<string, unknown>): string {
  dir = mkdtempSync(join(tmpdir(), 'tinyzh-cli-unit-'));
  for (const [name, value] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return dir;
}

describe('parseStoryArgs', () => {
  it('keeps only the flags given, as numbers', () => {
    const o = parseStoryArgs(['从前', '--temperature', '0', '--top-k', '40', '--seed', '4294967295']);
    expect(o.prompt).toBe('从前');
    expect(o.generate).toEqual({ temperature: 0, topK: 40 });
    expect(o.seed).toBe(4294967295);
    expect(o.device).toBe('auto');
  });

  it('rejects out-of-range values with the flag name', () => {
    expect(() => parseStoryArgs(['--seed', '4294967296'])).toThrow(UsageError);
    expect(() => parseStoryArgs(['--top-p', '-0.1'])).toThrow(/--top-p must be a number in \[0, 1\]/);
    expect(parseStoryArgs(['--top-p', '0']).generate.topP).toBe(0); // as the library: only the most likely token
    expect(() => parseStoryArgs(['--max-new-tokens', ' '])).toThrow(/--max-new-tokens/);
    expect(() => parseStoryArgs(['--repetition-penalty', '-1'])).toThrow(/--repetition-penalty/);
  });

  it('an empty prompt counts as none', () => {
    expect(parseStoryArgs(['  ']).prompt).toBeUndefined();
  });
});

describe('model folder openings and defaults', () => {
  it('generation_config.json examples win over prompts.json', async () => {
    const f = folder({
      'generation_config.json': { examples: ['甲', { prompt: '乙' }, '', 3] },
      'prompts.json': ['丙'],
    });
    expect(await readOpenings(f)).toEqual(['甲', '乙']);
  });

  it('prompts.json as an array or { prompts }', async () => {
    expect(await readOpenings(folder({ 'prompts.json': ['丙'] }))).toEqual(['丙']);
    rmSync(dir!, { recursive: true });
    expect(await readOpenings(folder({ 'prompts.json': { prompts: ['丁'] } }))).toEqual(['丁']);
  });

  it('no files → no openings; bad JSON → an error naming the file', async () => {
    expect(await readOpenings(folder({}))).toEqual([]);
    rmSync(dir!, { recursive: true });
    await expect(readOpenings(folder({ 'generation_config.json': '{oops' }))).rejects.toThrow(
      /generation_config\.json in .* is not valid JSON/,
    );
  });

  it('reads the Hugging Face sampling keys; do_sample false means greedy', async () => {
    const f = folder({
      'generation_config.json': { temperature: 0.7, top_p: 0.95, top_k: 50, repetition_penalty: 1.1, max_new_tokens: 200, max_length: 256 },
    });
    expect(await readGenerationDefaults(f)).toEqual({
      temperature: 0.7,
      topP: 0.95,
      topK: 50,
      repetitionPenalty: 1.1,
      maxNewTokens: 200,
    });
    rmSync(dir!, { recursive: true });
    expect(await readGenerationDefaults(folder({ 'generation_config.json': { do_sample: false, temperature: 1 } }))).toEqual({
      temperature: 0,
    });
  });

  it('the same seed picks the same opening', () => {
    expect(pickOpening(['a', 'b', 'c'], 4)).toBe('b');
    expect(pickOpening(['a', 'b', 'c'], 4)).toBe(pickOpening(['a', 'b', 'c'], 4));
  });
});
