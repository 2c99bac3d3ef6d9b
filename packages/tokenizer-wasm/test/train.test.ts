// trainBpe: layout, determinism, min frequency, merges never cross class boundaries, streaming input.
import { describe, expect, it } from 'vitest';
import { Tokenizer, trainBpe } from '../src/index.js';
import { parity } from './helpers.js';

const texts = parity().texts.map((t) => t.text);

describe('trainBpe', () => {
  it('learns a vocabulary with the documented layout that round-trips', async () => {
    const tok = await trainBpe(texts, { vocabSize: 3000 });
    expect(tok.vocabSize).toBeLessThanOrEqual(3000);
    expect(tok.vocabSize).toBeGreaterThan(2500);
    expect(tok.idToToken(0)).toBe('<unk>');
    expect(tok.idToToken(12)).toBe('<0x00>');
    for (const t of texts) expect(tok.decode(tok.encode(t))).toBe(t);
    // Merges stay within one class: no token mixes CJK with punctuation, letters, digits or whitespace.
    for (let id = 268; id < tok.vocabSize; id++) {
      const t = tok.idToToken(id)!;
      expect(/\p{Script=Han}/u.test(t) && /[\s\p{P}A-Za-z0-9]/u.test(t), t).toBe(false);
    }
    // It compresses Chinese: fewer tokens than characters.
    const zh = parity().texts.filter((t) => t.corpus === 'synthetic-zh').map((t) => t.text).join('');
    expect(tok.encode(zh).length).toBeLessThan([...zh].length * 0.8);
  });

  it('is deterministic and its tokenizer.json loads back identically', async () => {
    const a = await trainBpe(texts, { vocabSize: 800 });
    const b = await trainBpe(
      (async function* () {
        for (const t of texts) yield t;
      })(),
      { vocabSize: 800 },
    );
    expect(a.toJSON()).toBe(b.toJSON());
    const c = await Tokenizer.fromJSON(a.toJSON());
    for (const t of texts.slice(0, 20)) expect(Array.from(c.encode(t))).toEqual(Array.from(a.encode(t)));
  });

  it('stops at minFrequency', async () => {
    const low = await trainBpe(texts, { vocabSize: 20000, minFrequency: 2 });
    const high = await trainBpe(texts, { vocabSize: 20000, minFrequency: 50 });
    expect(high.vocabSize).toBeLessThan(low.vocabSize);
    expect(low.vocabSize).toBeLessThan(20000);
  });

  it('bounds memory by dropping rare pieces (maxPieces)', async () => {
    const tok = await trainBpe(texts, { vocabSize: 600, maxPieces: 1024 });
    expect(tok.vocabSize).toBeGreaterThan(268);
    for (const t of texts.slice(0, 10)) expect(tok.decode(tok.encode(t))).toBe(t);
  });
});
