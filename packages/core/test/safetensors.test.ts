import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors, fromFloat32, toFloat32, SafetensorsError, type TensorData } from '../src/index.js';

function file(header: unknown, data: Uint8Array = new Uint8Array(0), pad = true): Uint8Array {
  let json = JSON.stringify(header);
  if (pad) while ((json.length + 8) % 8 !== 0) json += ' ';
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function expectError(bytes: Uint8Array, pattern: RegExp) {
  let err: unknown;
  try {
    readSafetensors(bytes, 'model.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(SafetensorsError);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).toContain('model.safetensors');
}

describe('writeSafetensors / readSafetensors', () => {
  const tensors: Record<string, TensorData> = {
    'b.weight': fromFloat32(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]),
    'a.half': fromFloat32([0.5, -1, 65504], [3], 'F16'),
    'c.bf16': fromFloat32([1, Math.PI], [2], 'BF16'),
    ids: { dtype: 'I64', shape: [2], data: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]) },
    i32: { dtype: 'I32', shape: [], data: new Uint8Array([7, 0, 0, 0]) },
    bytes: { dtype: 'U8', shape: [3], data: new Uint8Array([1, 2, 3]) },
    signed: { dtype: 'I8', shape: [1], data: new Uint8Array([0xff]) },
    empty: { dtype: 'F32', shape: [0, 4], data: new Uint8Array(0) },
  };

  it('round-trips every dtype, scalars, empty tensors and metadata', () => {
    const bytes = writeSafetensors(tensors, { format: 'pt', step: '10' });
    const { tensors: back, metadata } = readSafetensors(bytes, 'x');
    expect(metadata).toEqual({ format: 'pt', step: '10' });
    expect([...back.keys()].sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const b = back.get(name)!;
      expect(b.dtype).toBe(t.dtype);
      expect(b.shape).toEqual(t.shape);
      expect([...b.data]).toEqual([...t.data]);
    }
    expect([...toFloat32(back.get('b.weight')!)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...toFloat32(back.get('a.half')!)]).toEqual([0.5, -1, 65504]);
    expect([...toFloat32(back.get('c.bf16')!)]).toEqual([1, 3.140625]);
  });

  it('is deterministic: names sorted, header padded with spaces to 8 bytes, data aligned to the element size', () => {
    const a = writeSafetensors(tensors);
    const b = writeSafetensors(new Map(Object.entries(tensors).reverse()));
    expect(a).toEqual(b);
    const n = Number(new DataView(a.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(a.subarray(8, 8 + n));
    expect(text.trimEnd().length + (n - text.trimEnd().length)).toBe(n);
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const keys = Object.keys(JSON.parse(text));
    expect(keys).toEqual([...keys].sort());
    const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: number[] }>;
    const size: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I8: 1, U8: 1, I32: 4, I64: 8 };
    for (const [, e] of Object.entries(header)) expect(e.data_offsets[0] % size[e.dtype]).toBe(0);
  });

  it('rejects inconsistent tensors on write', () => {
    expect(() => writeSafetensors({ x: { dtype: 'F32', shape: [3], data: new Uint8Array(8) } })).toThrow(SafetensorsError);
    expect(() => writeSafetensors({ x: { dtype: 'F64' as 'F32', shape: [1], data: new Uint8Array(8) } })).toThrow(/unsupported dtype/);
    expect(() => writeSafetensors({ __metadata__: fromFloat32([1], [1]) })).toThrow(/invalid tensor name/);
    expect(() => fromFloat32([1, 2], [3])).toThrow(/do not fill/);
  });
});

describe('readSafetensors validation', () => {
  const f32 = (n: number) => new Uint8Array(n * 4);
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };

  it('accepts a hand-made valid file, with or without padding', () => {
    expect(readSafetensors(file(ok, f32(3))).tensors.size).toBe(2);
    expect(readSafetensors(file(ok, f32(3), false)).tensors.size).toBe(2);
  });

  it('names the problem and the source', () => {
    expectError(new Uint8Array(5), /shorter than the 8-byte header length/);
    const huge = file(ok, f32(3));
    new DataView(huge.buffer).setUint32(4, 1, true);
    expectError(huge, /exceeds the 100000000-byte limit/);
    const long = file(ok, f32(3));
    new DataView(long.buffer).setUint32(0, 5000, true);
    expectError(long, /runs past the end/);
    expectError(file('not an object'), /does not start with "\{"/);
    expectError(file([1, 2]), /does not start with "\{"/);
    const broken = file(ok, f32(3));
    broken[9] = 0x7d; // '}' early → trailing garbage
    expectError(broken, /not valid JSON/);
    const badUtf8 = file({ a: { dtype: 'F32', shape: [0], data_offsets: [0, 0] }, 'x\u00e9': { dtype: 'F32', shape: [0], data_offsets: [0, 0] } });
    const at = badUtf8.indexOf(0xc3);
    badUtf8[at] = 0xff;
    expectError(badUtf8, /not valid UTF-8/);
    expectError(file({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /tensor "a": unsupported dtype "F64"/);
    expectError(file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, f32(1)), /tensor "a": shape\[0\] = -1/);
    expectError(file({ a: { dtype: 'F32', shape: [1e9, 1e9], data_offsets: [0, 4] } }, f32(1)), /tensor "a": shape .* too large|needs/);
    expectError(file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, f32(1)), /tensor "a": shape \[2\] × F32 needs 8 bytes but data_offsets \[0, 4\] hold 4/);
    expectError(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(1)), /tensor "a".*run past/);
    expectError(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)), /tensor "a": gap/);
    expectError(
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, f32(2)),
      /tensor "b".*overlap/,
    );
    expectError(file(ok, f32(4)), /cover 12 bytes but the data buffer holds 16/);
    expectError(file({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, f32(1)), /end before begin/);
    expectError(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, f32(1)), /tensor "a": "data_offsets"/);
    expectError(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4], extra: 1 } }, f32(1)), /unknown field "extra"/);
    expectError(file({ a: 5 }), /tensor "a": entry must be an object/);
    expectError(file({ __metadata__: { k: 1 } }), /"__metadata__"."k" must be a string/);
    // duplicate names: JSON.parse would silently keep the last one
    const dup = new TextEncoder().encode('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const dupFile = new Uint8Array(8 + dup.length + 4);
    new DataView(dupFile.buffer).setUint32(0, dup.length, true);
    dupFile.set(dup, 8);
    expectError(dupFile, /duplicate name "a"/);
  });

  it('returns views into the input (no copy of tensor data)', () => {
    const bytes = file(ok, f32(3));
    const { tensors } = readSafetensors(bytes);
    expect(tensors.get('a')!.data.buffer).toBe(bytes.buffer);
  });
});

describe('toFloat32 on views', () => {
  it('copies the right bytes when the file bytes are a pooled Node Buffer', async () => {
    const { Buffer } = await import('node:buffer');
    const file = writeSafetensors({ w: fromFloat32(new Float32Array([1.5, -2, 3.25]), [3]) });
    // Buffer.from(array) of a small size is carved out of a shared pool at a non-zero offset.
    const pooled = Buffer.concat([Buffer.alloc(13), Buffer.from(file)]).subarray(13);
    const { tensors } = readSafetensors(pooled);
    expect(Array.from(toFloat32(tensors.get('w')!))).toEqual([1.5, -2, 3.25]);
  });
});
