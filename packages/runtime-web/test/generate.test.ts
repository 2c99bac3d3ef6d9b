import { describe, it, expect } from 'vitest';
import { generate, type TokenModel } from '../src/generate.js';
import { StopStringFilter } from '../src/stop-strings.js';
import { TextQueue } from '../src/text-stream.js';
import { recentDistinct } from '../src/sampler-wgsl.js';

/** A fake model that emits a fixed script of token ids; ids are decoded as String.fromCharCode(id). */
function scripted(ids: number[], maxPositions = 1000): TokenModel & { feeds: number[][] } {
  let cached = 0;
  let i = 0;
  const feeds: number[][] = [];
  return {
    maxPositions,
    device: 'wasm' as const,
    feeds,
    get cachedLength() {
      return cached;
    },
    reset() {
      cached = 0;
    },
    async next(feed) {
      feeds.push([...feed]);
      cached += feed.length;
      if (cached > maxPositions) throw new Error('window overflow');
      return ids[i++] ?? 2;
    },
  };
}
const chars = { write: (id: number) => String.fromCharCode(id), flush: () => '' };

describe('generate', () => {
  it('stops on eos, length and stop strings', async () => {
    const a = 'a'.charCodeAt(0);
    let r = await generate(scripted([a, a + 1, 2]), [1], 2, chars, { maxNewTokens: 10 }, () => undefined);
    expect([r.text, r.finishReason, r.tokens]).toEqual(['ab', 'eos', 2]);
    r = await generate(scripted([a, a, a, a]), [1], 2, chars, { maxNewTokens: 3 }, () => undefined);
    expect([r.text, r.finishReason]).toEqual(['aaa', 'length']);
    const out: string[] = [];
    r = await generate(scripted([...'once。The end。more'].map((c) => c.charCodeAt(0))), [1], 2, chars, { stop: ['The end'] }, (t) => out.push(t));
    expect([r.text, r.finishReason]).toEqual(['once。', 'stop']);
    expect(out.join('')).toBe('once。');
  });

  it('slides the window: drops the cache and keeps the most recent half', async () => {
    const m = scripted(Array.from({ length: 30 }, (_, i) => 100 + i), 16);
    const r = await generate(m, [1, 5, 6], 2, chars, { maxNewTokens: 30 }, () => undefined);
    expect(r.tokens).toBe(30);
    expect(r.truncated).toBe(true);
    const refill = m.feeds.find((f) => f.length > 1 && f !== m.feeds[0])!;
    expect(refill.length).toBe(8);
  });

  it('aborts before the next token', async () => {
    const ac = new AbortController();
    const r = await generate(scripted([65, 66, 67, 68]), [1], 2, chars, { signal: ac.signal }, (t) => {
      if (t === 'B') ac.abort();
    });
    expect([r.text, r.finishReason]).toEqual(['AB', 'abort']);
  });
});

describe('StopStringFilter', () => {
  it('holds back possible prefixes and cuts at the first stop', () => {
    const f = new StopStringFilter(['的结局', '\n\n']);
    expect(f.push('从前的')).toEqual({ text: '从前', stopped: false });
    expect(f.push('人')).toEqual({ text: '的人', stopped: false });
    expect(f.push('\n')).toEqual({ text: '', stopped: false });
    expect(f.push('\n后来')).toEqual({ text: '', stopped: true });
    const g = new StopStringFilter([]);
    expect(g.push('abc')).toEqual({ text: 'abc', stopped: false });
  });
});

describe('TextQueue', () => {
  it('yields pieces then the result; return() aborts', async () => {
    let aborted = 0;
    const q = new TextQueue(() => aborted++);
    q.push('a');
    setTimeout(() => {
      q.push('b');
      q.finish({ text: 'ab' } as never);
    }, 5);
    const got: string[] = [];
    for await (const t of q) got.push(t);
    expect(got).toEqual(['a', 'b']);
    expect((await q.result).text).toBe('ab');
    const q2 = new TextQueue(() => {
      aborted++;
      q2.finish({ text: '' } as never);
    });
    q2.push('x');
    for await (const _ of q2) break;
    expect(aborted).toBe(1);
  });

  it('rethrows a failure from the iterator and the result', async () => {
    const q = new TextQueue(() => undefined);
    q.fail(new Error('boom'));
    await expect(q.next()).rejects.toThrow('boom');
    await expect(q.result).rejects.toThrow('boom');
  });
});

describe('recentDistinct', () => {
  it('takes distinct ids of the last N', () => {
    expect(recentDistinct([1, 2, 3, 3, 4], 3).sort()).toEqual([3, 4]);
    expect(recentDistinct([1, 2], 0)).toEqual([]);
  });
});
