import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPreparedIndex, TokenShards } from '../../src/train/data-loader.js';
import { checkTokenizerMatch } from '../../src/train/tokenizer-match.js';
import { makePreparedDir } from '../helpers/prepared.js';

describe('checkTokenizerMatch', () => {
  const a = makePreparedDir({ vocab: 64, trainTokens: 500, valTokens: 100 });
  const b = makePreparedDir({ vocab: 80, trainTokens: 500, valTokens: 100 });
  const ck = mkdtempSync(join(tmpdir(), 'tinyzh-ck-'));
  copyFileSync(join(a, 'tokenizer.json'), join(ck, 'tokenizer.json'));

  it('accepts data prepared with the checkpoint tokenizer', () => {
    expect(() => checkTokenizerMatch('eval', ck, a, readPreparedIndex(a), 64)).not.toThrow();
  });

  it('refuses data prepared with another tokenizer, saying how to fix it', () => {
    expect(() => checkTokenizerMatch('--init', ck, b, readPreparedIndex(b), 64)).toThrow(
      /--init: .* was tokenized with another tokenizer .*--tokenizer .*tokenizer\.json/,
    );
  });

  it('refuses data whose vocabulary does not fit the model, even without a checkpoint tokenizer', () => {
    const bare = mkdtempSync(join(tmpdir(), 'tinyzh-ck-'));
    expect(() => checkTokenizerMatch('eval', bare, b, readPreparedIndex(b), 64)).toThrow(/vocab_size 80, larger than the model's 64/);
  });

  it('TokenShards refuses ids at or above vocabLimit', () => {
    const idx = readPreparedIndex(b);
    const val = new TokenShards(b, idx, 'val');
    val.vocabLimit = 13;
    expect(() => val.sequentialWindows(50, 2)).toThrow(/token id \d+ at token \d+ does not fit the model's vocab_size 13/);
    val.close();
  });
});
