import { describe, expect, it } from 'vitest';
import { normalizeText } from '../../src/data/normalize.js';
import { toSimplified } from '../../src/data/t2s.js';
import { checkQuality, cjkShare, DEFAULT_QUALITY, longestCharRun, quotesBalanced } from '../../src/data/quality.js';
import { candidateProbability, estimateJaccard, jaccard, LshIndex, MinHasher, optimalBands, shingleSet } from '../../src/data/minhash.js';
import { U64HashSet } from '../../src/data/hashset.js';
import { story } from './corpus.js';

describe('normalisation', () => {
  it('applies NFC, keeps full-width punctuation, normalises whitespace and line breaks', () => {
    expect(normalizeText('e\u0301')).toBe('é');
    expect(normalizeText('他说：“你好！”（笑）')).toBe('他说：“你好！”（笑）');
    expect(normalizeText('  第一段。\r\n\r\n\u3000\u3000第二段。\t \n')).toBe('第一段。\n第二段。');
    expect(normalizeText('他 说\u200B：Hello  world')).toBe('他说：Hello world');
    expect(normalizeText(' \n \u200B')).toBe('');
    const s = '从前，  有一只小猫。\r\n它很 可爱。';
    expect(normalizeText(normalizeText(s))).toBe(normalizeText(s));
  });

  it('converts Traditional to Simplified and leaves Simplified text alone', () => {
    expect(toSimplified('從前有一個小女孩，她說：「我們走吧！」')).toBe('从前有一个小女孩，她说：「我们走吧！」');
    const simplified = story(5);
    expect(toSimplified(simplified)).toBe(simplified);
  });
});

describe('quality rules', () => {
  it('measures CJK share, character runs and quote balance', () => {
    expect(cjkShare('小猫Tom三岁。')).toBeCloseTo(4 / 7);
    expect(cjkShare('𠀀々abc1，。')).toBeCloseTo(2 / 6);
    expect(cjkShare('。！')).toBe(0);
    expect(longestCharRun('哈哈哈哈。。好')).toBe(4);
    expect(quotesBalanced('他说：“走吧。”「好」《书》（注）')).toBe(true);
    expect(quotesBalanced('他说：“走吧。')).toBe(false);
    expect(quotesBalanced('”反了“')).toBe(false);
    expect(quotesBalanced('“「”」')).toBe(false);
    expect(quotesBalanced('He said "hi')).toBe(false);
  });

  it('names the first rule that rejects a story', () => {
    const ok = story(1, 100);
    expect(checkQuality(ok, DEFAULT_QUALITY)).toBeUndefined();
    expect(checkQuality('太短了。', DEFAULT_QUALITY)).toBe('min-chars');
    expect(checkQuality(`${ok}${'呀'.repeat(11)}`, DEFAULT_QUALITY)).toBe('char-run');
    expect(checkQuality(`${ok}${'呀'.repeat(10)}`, DEFAULT_QUALITY)).toBeUndefined();
    expect(checkQuality(`${ok}……——`, DEFAULT_QUALITY)).toBeUndefined();
    expect(checkQuality(`${ok}锟斤拷`, DEFAULT_QUALITY)).toBe('mojibake');
    expect(checkQuality(`${ok}\uE001`, DEFAULT_QUALITY)).toBe('mojibake');
    expect(checkQuality(`${ok}&nbsp;`, DEFAULT_QUALITY)).toBe('markup');
    expect(checkQuality(`${ok}见 https://example.com`, DEFAULT_QUALITY)).toBe('markup');
    expect(checkQuality(`## 标题\n${ok}`, DEFAULT_QUALITY)).toBe('markup');
    const off = { ...DEFAULT_QUALITY, enabled: new Set(['cjk-share'] as const) };
    expect(checkQuality('太短了。', off)).toBeUndefined();
  });
});

describe('MinHash LSH', () => {
  it('picks datasketch-style bands and rows for the threshold', () => {
    expect(optimalBands(0.8, 128)).toEqual({ bands: 9, rows: 13 });
    expect(candidateProbability(0.95, 9, 13)).toBeGreaterThan(0.99);
    expect(candidateProbability(0.5, 9, 13)).toBeLessThan(0.002);
  });

  it('estimates Jaccard similarity within sampling error and is deterministic', () => {
    const h = new MinHasher({ ngram: 5, numPerm: 128, bands: 16, rows: 8, seed: 7 });
    let err = 0;
    for (let i = 0; i < 40; i++) {
      const a = story(i, 300);
      const b = a.slice(0, 150 + i * 3) + story(100 + i, 100);
      const exact = jaccard(shingleSet(a, 5), shingleSet(b, 5));
      const est = estimateJaccard(Int32Array.from(h.signature(a)), h.signature(b));
      err += Math.abs(exact - est);
    }
    expect(err / 40).toBeLessThan(0.06);
    const h2 = new MinHasher({ ngram: 5, numPerm: 128, bands: 16, rows: 8, seed: 7 });
    expect(Array.from(h2.bandKeys(story(3)))).toEqual(Array.from(h.bandKeys(story(3))));
  });

  it('finds a copy with one character changed and not an unrelated story', () => {
    const h = new MinHasher({ ngram: 5, numPerm: 117, bands: 9, rows: 13, seed: 0x5eed });
    const lsh = new LshIndex(9);
    const a = story(1);
    lsh.insert(h.bandKeys(a));
    const edited = a.slice(0, 100) + '水' + a.slice(101);
    expect(lsh.hasAny(h.bandKeys(edited))).toBe(true);
    expect(lsh.hasAny(h.bandKeys(story(2)))).toBe(false);
  });

  it('U64HashSet grows and keeps every key', () => {
    const s = new U64HashSet(4);
    for (let i = 0; i < 5000; i++) expect(s.add(i * 7919, i)).toBe(true);
    for (let i = 0; i < 5000; i++) expect(s.add(i * 7919, i)).toBe(false);
    expect(s.size).toBe(5000);
    expect(s.has(0, 0)).toBe(true); // stored as (0, 1)
    expect(s.has(1, 1)).toBe(false);
  });
});
