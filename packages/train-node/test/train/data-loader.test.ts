import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPreparedIndex, TokenShards } from '../../src/train/data-loader.js';
import { Rng } from '../../src/train/rng.js';
import { makePreparedDir } from '../helpers/prepared.js';

describe.each(['uint16', 'uint32'] as const)('TokenShards (%s)', (dtype) => {
  const dir = makePreparedDir({ dtype, vocab: 70000 > 65536 && dtype === 'uint32' ? 70000 : 64, trainTokens: 3000, valTokens: 500 });
  const index = readPreparedIndex(dir);
  const raw = readFileSync(join(dir, 'train/shard-00000.bin'));
  const all = dtype === 'uint16' ? new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2) : new Uint32Array(raw.buffer, raw.byteOffset, raw.length / 4);

  it('reads random windows that are slices of the shard, reproducibly from the RNG state', () => {
    const shards = new TokenShards(dir, index, 'train');
    const rng = new Rng(5);
    const state = rng.getState();
    const w = shards.randomWindows(rng, 4, 17);
    for (let r = 0; r < 4; r++) {
      const row = Array.from(w.subarray(r * 17, (r + 1) * 17));
      const s = Array.from(all).findIndex((_, i) => row.every((t, k) => all[i + k] === t));
      expect(s).toBeGreaterThanOrEqual(0);
    }
    rng.setState(state);
    expect(Array.from(shards.randomWindows(rng, 4, 17))).toEqual(Array.from(w));
    shards.close();
  });

  it('reads consecutive validation windows from the start', () => {
    const shards = new TokenShards(dir, index, 'val');
    const ws = shards.sequentialWindows(10, 3);
    const rawV = readFileSync(join(dir, 'val/shard-00000.bin'));
    const v = dtype === 'uint16' ? new Uint16Array(rawV.buffer, rawV.byteOffset, rawV.length / 2) : new Uint32Array(rawV.buffer, rawV.byteOffset, rawV.length / 4);
    expect(ws).toHaveLength(3);
    expect(Array.from(ws[2]!)).toEqual(Array.from(v.subarray(20, 30)));
    shards.close();
  });
});

describe('readPreparedIndex errors', () => {
  it('names the file and the field', () => {
    const dir = makePreparedDir({ trainTokens: 100, valTokens: 50 });
    const p = join(dir, 'index.json');
    const j = JSON.parse(readFileSync(p, 'utf8'));
    writeFileSync(p, JSON.stringify({ ...j, dtype: 'float32' }));
    expect(() => readPreparedIndex(dir)).toThrow(/index\.json: "dtype" must be "uint16" or "uint32"/);
    writeFileSync(p, '{ nope');
    expect(() => readPreparedIndex(dir)).toThrow(/index\.json: invalid JSON/);
    expect(() => readPreparedIndex(join(dir, 'missing'))).toThrow(/not found/);
  });

  it('detects a shard whose size disagrees with index.json', () => {
    const dir = makePreparedDir({ trainTokens: 100, valTokens: 50 });
    writeFileSync(join(dir, 'train/shard-00000.bin'), new Uint8Array(10));
    expect(() => new TokenShards(dir, readPreparedIndex(dir), 'train')).toThrow(/10 bytes, but index\.json says 100 uint16 tokens/);
  });

  it('refuses a window longer than every shard', () => {
    const dir = makePreparedDir({ trainTokens: 100, valTokens: 50 });
    const s = new TokenShards(dir, readPreparedIndex(dir), 'train');
    expect(() => s.randomWindows(new Rng(1), 1, 101)).toThrow(/no shard with at least 101 tokens/);
    s.close();
  });
});
