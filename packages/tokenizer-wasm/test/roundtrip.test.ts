// decode(encode(s)) === s for every well-formed string (property test, fast-check), including astral characters
// (surrogate pairs in UTF-16) that are outside the vocabulary and go through byte fallback.
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { Tokenizer } from '../src/index.js';
import { fixtureText } from './helpers.js';

describe('round trip', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await Tokenizer.fromJSON(fixtureText('tokenizer.json'));
  });

  const wellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();
  // Characters the tokenizer cares about: CJK (incl. Extension B), punctuation, whitespace, emoji, anything.
  const interesting = fc.constantFrom('从', '前', '小', '猫', '。', '，', '“', '”', ' ', '\n', '\t', 'a', 'Z', '7', '😀', '𠀀', '𪚥', '<s>', '</s>', '<0x41>', '\u200d', '\u3000', '\ufeff');
  const mixed = fc.array(fc.oneof(fc.string({ unit: 'binary' }), interesting, fc.string({ unit: 'grapheme' })), { maxLength: 20 }).map((a) => a.join(''));

  it('decode(encode(s)) === s for random Unicode strings', () => {
    fc.assert(
      fc.property(mixed, (s) => {
        fc.pre(wellFormed(s));
        expect(tok.decode(tok.encode(s))).toBe(s);
      }),
      { numRuns: 1000 },
    );
  });

  it('strings built from raw surrogate pairs round-trip; lone surrogates become U+FFFD', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0x10000, max: 0x10ffff }), { maxLength: 30 }), (cps) => {
        const s = String.fromCodePoint(...cps);
        expect(tok.decode(tok.encode(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
    expect(tok.decode(tok.encode('a\ud800b'))).toBe('a\ufffdb');
  });

  it('encodeBatch equals encode of each text', () => {
    const texts = ['从前有一只小猫。', '', 'Hello world', '𠀀😀'];
    const batch = tok.encodeBatch(texts);
    expect(batch.map((b) => Array.from(b))).toEqual(texts.map((t) => Array.from(tok.encode(t))));
  });

  it('handles long inputs', () => {
    const s = '从前，有一只小猫。它很喜欢吃鱼。😀\n'.repeat(20000);
    const ids = tok.encode(s);
    expect(ids.length).toBeGreaterThan(0);
    expect(tok.decode(ids)).toBe(s);
  });
});
