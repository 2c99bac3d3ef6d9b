import { describe, expect, it } from 'vitest';
import {
  bfloat16BitsArrayToFloat32,
  bfloat16BitsToFloat32,
  float16BitsArrayToFloat32,
  float16BitsToFloat32,
  float32ArrayToBfloat16Bits,
  float32ArrayToFloat16Bits,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from '../src/index.js';

// Bit patterns from IEEE 754 binary16 tables (e.g. https://en.wikipedia.org/wiki/Half-precision_floating-point_format)
const F16: [number, number][] = [
  [0, 0x0000],
  [-0, 0x8000],
  [1, 0x3c00],
  [-2, 0xc000],
  [0.5, 0x3800],
  [65504, 0x7bff], // max normal
  [2 ** -14, 0x0400], // min normal
  [2 ** -24, 0x0001], // min subnormal
  [2 ** -14 - 2 ** -24, 0x03ff], // max subnormal
  [0.333251953125, 0x3555],
  [Infinity, 0x7c00],
  [-Infinity, 0xfc00],
];

describe('float16', () => {
  it('encodes and decodes known bit patterns', () => {
    for (const [v, bits] of F16) {
      expect(float32ToFloat16Bits(v)).toBe(bits);
      expect(Object.is(float16BitsToFloat32(bits), v)).toBe(true);
    }
  });

  it('rounds to nearest, ties to even', () => {
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway 1 → 1+2^-10: even (down)
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway between 0x3c01 and 0x3c02: even (up)
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above halfway: up
    expect(float32ToFloat16Bits(1 / 3)).toBe(0x3555);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff); // below the overflow threshold
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // halfway to 2^16 rounds to even = Infinity
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // halfway to the smallest subnormal: even (0)
    expect(float32ToFloat16Bits(2 ** -25 + 2 ** -35)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 ulp subnormal: tie to even (2)
    expect(float32ToFloat16Bits(-(2 ** -26))).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up out of the subnormals
  });

  it('keeps NaN a NaN', () => {
    const b = float32ToFloat16Bits(NaN);
    expect(b & 0x7c00).toBe(0x7c00);
    expect(b & 0x3ff).not.toBe(0);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
  });

  it('round-trips all 63,488 finite patterns and matches the slow path in bulk', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const vals = float16BitsArrayToFloat32(bits);
    const back = float32ArrayToFloat16Bits(vals);
    for (let i = 0; i < 65536; i++) {
      if ((i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0) continue; // NaNs
      if (back[i] !== i) throw new Error(`0x${i.toString(16)} → ${vals[i]} → 0x${back[i].toString(16)}`);
    }
  });
});

describe('bfloat16', () => {
  it('encodes and decodes known bit patterns with round-to-nearest-even', () => {
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(-2)).toBe(0xc000);
    expect(float32ToBfloat16Bits(Math.PI)).toBe(0x4049); // 0x40490fdb → 0x4049
    expect(float32ToBfloat16Bits(1 / 3)).toBe(0x3eab); // 0x3eaaaaab → up
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // halfway: even (down)
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // halfway: even (up)
    expect(float32ToBfloat16Bits(3.4028234663852886e38)).toBe(0x7f80); // float32 max overflows to Infinity
    expect(float32ToBfloat16Bits(-Infinity)).toBe(0xff80);
    expect(bfloat16BitsToFloat32(float32ToBfloat16Bits(NaN))).toBeNaN();
    expect(bfloat16BitsToFloat32(0x4049)).toBe(3.140625);
    expect(Object.is(bfloat16BitsToFloat32(0x8000), -0)).toBe(true);
  });

  it('round-trips every non-NaN pattern in bulk', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const back = float32ArrayToBfloat16Bits(bfloat16BitsArrayToFloat32(bits));
    for (let i = 0; i < 65536; i++) {
      if ((i & 0x7f80) === 0x7f80 && (i & 0x7f) !== 0) continue;
      if (back[i] !== i) throw new Error(`0x${i.toString(16)}`);
    }
  });
});
