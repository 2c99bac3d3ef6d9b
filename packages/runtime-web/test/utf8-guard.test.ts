import { describe, expect, it } from 'vitest';
import { Utf8Guard } from '../src/utf8-guard.js';

// The tinyzh id layout: byte tokens <0x00>..<0xFF> are ids 12..267; 268.. are characters and merges.
const BYTE0 = 12;
const tokenToId = (t: string): number | undefined => {
  const m = /^<0x([0-9A-F]{2})>$/.exec(t);
  return m ? BYTE0 + parseInt(m[1]!, 16) : undefined;
};
const byteId = (b: number): number => BYTE0 + b;

describe('Utf8Guard', () => {
  it('bans bytes that cannot start a character at a boundary, allows everything else', () => {
    const g = new Utf8Guard(300, tokenToId);
    expect(g.allows(280)).toBe(true); // a character token
    expect(g.allows(byteId(0x41))).toBe(true);
    expect(g.allows(byteId(0xe4))).toBe(true);
    for (const b of [0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff]) expect(g.allows(byteId(b))).toBe(false);
  });

  it('while a character is open allows only its valid next bytes', () => {
    const g = new Utf8Guard(300, tokenToId);
    g.feed(byteId(0xe4)); // 你 = E4 BD A0
    expect(g.midCharacter).toBe(true);
    expect(g.allows(280)).toBe(false);
    expect(g.allows(byteId(0x41))).toBe(false);
    expect(g.allows(byteId(0xbd))).toBe(true);
    g.feed(byteId(0xbd));
    expect(g.allows(byteId(0xa0))).toBe(true);
    g.feed(byteId(0xa0));
    expect(g.midCharacter).toBe(false);
    expect(g.allows(280)).toBe(true);
  });

  it('follows RFC 3629 second-byte limits (no overlongs, no surrogates)', () => {
    const g = new Utf8Guard(300, tokenToId);
    g.feed(byteId(0xe0));
    expect(g.allows(byteId(0x9f))).toBe(false);
    expect(g.allows(byteId(0xa0))).toBe(true);
    const h = new Utf8Guard(300, tokenToId);
    h.feed(byteId(0xed));
    expect(h.allows(byteId(0xa0))).toBe(false); // would encode a surrogate
    expect(h.allows(byteId(0x9f))).toBe(true);
  });

  it('mask sets the banned logits to -Infinity and leaves the input alone', () => {
    const g = new Utf8Guard(300, tokenToId);
    const logits = new Float32Array(300).fill(1);
    const masked = g.mask(logits);
    expect(masked[byteId(0x80)]).toBe(-Infinity);
    expect(masked[byteId(0x41)]).toBe(1);
    expect(logits[byteId(0x80)]).toBe(1);
    g.feed(byteId(0xe4));
    const open = g.mask(logits);
    for (let id = 0; id < 300; id++) expect(open[id] === 1, `id ${id}`).toBe(g.allows(id));
    expect(open.filter((x) => x === 1).length).toBe(0xbf - 0x80 + 1);
  });
});
