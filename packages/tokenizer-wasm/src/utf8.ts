/**
 * The UTF-8 well-formedness rules of RFC 3629 §4 (table 3-7 of the Unicode Standard §3.9), byte by byte: what a lead
 * byte starts and what may follow it. Shared by the streaming decoder and the runtime's UTF-8 guard.
 */

/** Length of the UTF-8 sequence a lead byte starts (1–4); 0 when the byte cannot start one (0x80–0xC1, 0xF5–0xFF). */
export function utf8SequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/**
 * Inclusive range `[lo, hi]` of the byte after `lead` (no overlongs, no surrogates, nothing past U+10FFFF); every
 * later byte of a sequence is in `[0x80, 0xBF]`.
 */
export function utf8SecondByteRange(lead: number): [number, number] {
  if (lead === 0xe0) return [0xa0, 0xbf];
  if (lead === 0xed) return [0x80, 0x9f];
  if (lead === 0xf0) return [0x90, 0xbf];
  if (lead === 0xf4) return [0x80, 0x8f];
  return [0x80, 0xbf];
}
