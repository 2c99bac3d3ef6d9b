/**
 * Fuzzing the reader with random corruptions of valid files (fast-check): bit flips, truncations, appended bytes,
 * random edits of the header JSON text and of its numbers. Every outcome must be either a successful read whose
 * tensors are consistent views into the input, or a SafetensorsError — never another exception, never a large
 * allocation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromFloat32, readSafetensors, SafetensorsError, writeSafetensors, DTYPE_BYTES, type TensorData } from '../src/index.js';

const base = writeSafetensors(
  {
    'model.embed_tokens.weight': fromFloat32(new Float32Array(24).map((_, i) => i / 7), [6, 4]),
    'model.norm.weight': fromFloat32([1, 2, 3, 4], [4], 'F16'),
    'b.bf16': fromFloat32([1, -1, 0.5], [3], 'BF16'),
    ids: { dtype: 'I64', shape: [2], data: new Uint8Array(16) },
    step: { dtype: 'I32', shape: [], data: new Uint8Array(4) },
    mask: { dtype: 'U8', shape: [5], data: new Uint8Array(5) },
  } satisfies Record<string, TensorData>,
  { format: 'pt' },
);
const headerLen = new DataView(base.buffer).getUint32(0, true);
const headerText = new TextDecoder().decode(base.subarray(8, 8 + headerLen));

function check(bytes: Uint8Array): void {
  const before = process.memoryUsage().arrayBuffers;
  try {
    const { tensors } = readSafetensors(bytes, 'fuzz.safetensors');
    let total = 0;
    for (const [, t] of tensors) {
      expect(t.data.buffer).toBe(bytes.buffer); // views, never copies
      expect(t.data.byteLength).toBe(t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype]);
      total += t.data.byteLength;
    }
    expect(total).toBeLessThanOrEqual(bytes.byteLength);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    expect(e.message).toContain('fuzz.safetensors');
  }
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
}

function withHeader(text: string, data = base.subarray(8 + headerLen)): Uint8Array {
  const h = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setUint32(0, h.length, true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

const RUNS = 3000;

describe('readSafetensors fuzz', () => {
  it('survives bit flips anywhere (concentrated on the header)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean()), { minLength: 1, maxLength: 8 }), (flips) => {
        const b = base.slice();
        for (const [pos, bit, inHeader] of flips) b[(inHeader ? pos % (8 + headerLen) : pos % b.length)] ^= 1 << bit;
        check(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('survives truncation and appended bytes', () => {
    fc.assert(
      fc.property(fc.nat(base.length), fc.uint8Array({ maxLength: 64 }), (cut, extra) => {
        check(base.slice(0, cut));
        const longer = new Uint8Array(base.length + extra.length);
        longer.set(base);
        longer.set(extra, base.length);
        check(longer);
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random edits of the header text', () => {
    const token = fc.oneof(
      fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', ' ', '-', '0', '1e400', 'null', 'true', '"F32"', '"F64"', '"__metadata__"', '"shape"', '"data_offsets"', '[0,0]', '[]', '{}', '9007199254740993', '-1', '\u0000', '\ud800'),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.nat(8), token), { minLength: 1, maxLength: 4 }), (edits) => {
        let text = headerText;
        for (const [pos, del, ins] of edits) {
          const p = pos % (text.length + 1);
          text = text.slice(0, p) + ins + text.slice(p + del);
        }
        check(withHeader(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('survives random numbers in shapes and offsets, and random header length fields', () => {
    const num = fc.oneof(fc.integer({ min: -2, max: 200 }), fc.constantFrom(2 ** 31, 2 ** 32, 2 ** 53, 2 ** 60, 1e300, 0.5));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), num), { minLength: 1, maxLength: 4 }), fc.nat(), (edits, len) => {
        const numbers = [...headerText.matchAll(/\d+/g)];
        let text = headerText;
        for (const [which, value] of edits) {
          const m = numbers[which % numbers.length];
          text = text.slice(0, m.index) + String(value).padEnd(m[0].length, ' ') + text.slice(m.index + m[0].length);
        }
        check(withHeader(text));
        const b = base.slice();
        const dv = new DataView(b.buffer);
        dv.setUint32(len % 2 ? 0 : 4, len >>> 0, true);
        check(b);
      }),
      { numRuns: RUNS },
    );
  });

  it('rejects a 1 TB claim from a 1 KB file before allocating', () => {
    const header = JSON.stringify({ x: { dtype: 'F32', shape: [2 ** 18, 2 ** 20], data_offsets: [0, 2 ** 40] } });
    const before = process.memoryUsage().arrayBuffers;
    expect(() => readSafetensors(withHeader(header, new Uint8Array(1000)))).toThrow(SafetensorsError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1024 * 1024);
  });
});
