// Vocabulary layout, special ids, token lookup and tokenizer.json round trip.
import { describe, expect, it, beforeAll } from 'vitest';
import { Tokenizer } from '../src/index.js';
import { fixtureText } from './helpers.js';

describe('Tokenizer API', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await Tokenizer.fromJSON(fixtureText('tokenizer.json'));
  });

  it('has the documented id layout', () => {
    expect([tok.unkId, tok.bosId, tok.eosId, tok.padId]).toEqual([0, 1, 2, 3]);
    expect(tok.idToToken(4)).toBe('<|reserved_0|>');
    expect(tok.idToToken(11)).toBe('<|reserved_7|>');
    expect(tok.idToToken(12)).toBe('<0x00>');
    expect(tok.idToToken(267)).toBe('<0xFF>');
    expect(tok.tokenToId('<0xE4>')).toBe(12 + 0xe4);
    expect(tok.vocabSize).toBe(3000);
  });

  it('special-token strings in text map to their ids', () => {
    expect(Array.from(tok.encode('</s>'))).toEqual([2]);
    expect(tok.decode([1, 2], { skipSpecialTokens: true })).toBe('');
  });

  it('toJSON() reproduces the file it was loaded from', () => {
    expect(tok.toJSON()).toBe(fixtureText('tokenizer.json'));
  });

  it('also accepts a parsed object and legacy "a b" merges', async () => {
    const j = JSON.parse(fixtureText('tokenizer.json'));
    j.model.merges = j.model.merges.map(([a, b]: [string, string]) => (a.includes(' ') || b.includes(' ') ? [a, b] : `${a} ${b}`));
    const t = await Tokenizer.fromJSON(j);
    expect(Array.from(t.encode('从前有一只小猫。'))).toEqual(Array.from(tok.encode('从前有一只小猫。')));
  });
});
