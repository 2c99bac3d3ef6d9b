// Bad input gives errors that say what is wrong, never an opaque WebAssembly trap.
import { describe, expect, it, beforeAll } from 'vitest';
import { Tokenizer, TokenizerJsonError, trainBpe } from '../src/index.js';
import { fixtureText } from './helpers.js';

const good = () => JSON.parse(fixtureText('tokenizer.json'));

describe('errors', () => {
  let tok: Tokenizer;
  beforeAll(async () => {
    tok = await Tokenizer.fromJSON(fixtureText('tokenizer.json'));
  });

  it('malformed tokenizer.json', async () => {
    await expect(Tokenizer.fromJSON('{"model": ')).rejects.toThrow(/tokenizer.json: not valid JSON/);
    await expect(Tokenizer.fromJSON('[]')).rejects.toThrow(TokenizerJsonError);
    await expect(Tokenizer.fromJSON({})).rejects.toThrow(/"model" is missing/);
    const noFallback = good();
    noFallback.model.byte_fallback = false;
    await expect(Tokenizer.fromJSON(noFallback)).rejects.toThrow(/model.byte_fallback must be true/);
    const badMerge = good();
    badMerge.model.merges[5] = ['nope', 'zzz'];
    await expect(Tokenizer.fromJSON(badMerge)).rejects.toThrow(/model.merges\[5\]: token "nope" is not in model.vocab/);
    const badMergeShape = good();
    badMergeShape.model.merges[2] = 42;
    await expect(Tokenizer.fromJSON(badMergeShape)).rejects.toThrow(/model.merges\[2\] must be a pair/);
    const badId = good();
    badId.model.vocab['从'] = -3;
    await expect(Tokenizer.fromJSON(badId)).rejects.toThrow(/model.vocab\["从"\] must be an integer id/);
    const noByte = good();
    const id41 = noByte.model.vocab['<0x41>'];
    delete noByte.model.vocab['<0x41>'];
    noByte.model.vocab['<0x41>x'] = id41;
    await expect(Tokenizer.fromJSON(noByte)).rejects.toThrow(/byte-fallback token <0x41> is missing/);
    const otherPre = good();
    otherPre.pre_tokenizer = { type: 'Whitespace' };
    await expect(Tokenizer.fromJSON(otherPre)).rejects.toThrow(/pre_tokenizer must be the tinyzh Split pre-tokenizer/);
    const norm = good();
    norm.normalizer = { type: 'NFKC' };
    await expect(Tokenizer.fromJSON(norm)).rejects.toThrow(/normalizer must be null/);
    const noSpecial = good();
    noSpecial.added_tokens = noSpecial.added_tokens.filter((a: { content: string }) => a.content !== '<pad>');
    const padId = noSpecial.model.vocab['<pad>'];
    delete noSpecial.model.vocab['<pad>'];
    noSpecial.model.vocab['<pad2>'] = padId;
    await expect(Tokenizer.fromJSON(noSpecial)).rejects.toThrow(/special token <pad> is missing/);
  });

  it('invalid ids', () => {
    expect(() => tok.decode([1, 2, tok.vocabSize])).toThrow(`decode: invalid token id ${tok.vocabSize} at index 2 (vocabulary size ${tok.vocabSize})`);
    expect(() => tok.decode([-1])).toThrow(/invalid token id -1 at index 0/);
    expect(() => tok.decode([1.5])).toThrow(/invalid token id 1.5/);
    expect(() => tok.decode([NaN])).toThrow(/invalid token id NaN/);
    expect(tok.idToToken(tok.vocabSize)).toBeUndefined();
    expect(tok.idToToken(-1)).toBeUndefined();
    expect(tok.tokenToId('not a token at all')).toBeUndefined();
    // The tokenizer still works after errors.
    expect(tok.decode(tok.encode('好的'))).toBe('好的');
  });

  it('bad arguments', async () => {
    expect(() => tok.encode(42 as unknown as string)).toThrow(/text must be a string/);
    await expect(trainBpe(['a'], { vocabSize: 10 })).rejects.toThrow(/vocabSize must be an integer in 269/);
    await expect(trainBpe([1 as unknown as string], { vocabSize: 300 })).rejects.toThrow(/corpus item 0 is number/);
    await expect(trainBpe(['a'], { vocabSize: 300, characterCoverage: 2 })).rejects.toThrow(/characterCoverage/);
  });

  it('use after dispose', async () => {
    const t = await Tokenizer.fromJSON(fixtureText('tokenizer.json'));
    t.dispose();
    expect(() => t.encode('x')).toThrow(/disposed/);
    t.dispose(); // idempotent
  });
});
