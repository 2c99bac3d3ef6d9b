// The streaming decoder never emits a broken character when a character is split over byte-fallback tokens.
import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { Tokenizer } from '../src/index.js';
import { fixtureText } from './helpers.js';

describe('createDecodeStream', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await Tokenizer.fromJSON(fixtureText('tokenizer.json'));
  });

  function streamAll(ids: ArrayLike<number>, skip = false) {
    const s = tok.createDecodeStream({ skipSpecialTokens: skip });
    const parts = Array.from(ids, (id) => s.write(id));
    parts.push(s.flush());
    return parts;
  }

  it('holds back the bytes of a character split over byte tokens', () => {
    const text = '𠀀𪚥😀你';
    const ids = tok.encode(text);
    expect(ids.length).toBeGreaterThan(4); // byte fallback happened
    const parts = streamAll(ids);
    for (const p of parts) expect(p).not.toContain('\uFFFD');
    expect(parts.join('')).toBe(text);
    // Pieces are whole characters: the first three byte tokens of 𠀀 give nothing, the fourth gives 𠀀.
    expect(parts.slice(0, 4)).toEqual(['', '', '', '𠀀']);
  });

  it('concatenated output equals decode() and contains no U+FFFD for encoded text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (s) => {
        fc.pre((s as string & { isWellFormed(): boolean }).isWellFormed() && !s.includes('\uFFFD'));
        const ids = tok.encode(s);
        const parts = streamAll(ids);
        expect(parts.join('')).toBe(tok.decode(ids));
        for (const p of parts) expect(p).not.toContain('\uFFFD');
      }),
      { numRuns: 500 },
    );
  });

  it('skipSpecialTokens drops special tokens', () => {
    const ids = tok.encode('你好', { addBos: true, addEos: true });
    expect(streamAll(ids, true).join('')).toBe('你好');
    expect(streamAll(ids, false).join('')).toBe('<s>你好</s>');
  });

  it('an incomplete character at the end becomes U+FFFD on flush; invalid ids throw', () => {
    const e4 = tok.tokenToId('<0xE4>')!;
    const s = tok.createDecodeStream();
    expect(s.write(e4)).toBe('');
    expect(s.flush()).toBe('\uFFFD');
    expect(() => s.write(tok.vocabSize)).toThrow(/invalid token id/);
    expect(() => s.write(-1)).toThrow(/invalid token id/);
  });
});
