/**
 * Quality rules applied to a normalised story. Each rule has a name (used for its flag, its count in
 * `report.json` and its examples in `report.md`), is on by default and can be turned off.
 *
 * The rules and their defaults (see the package README, "Preparing data", for the reasoning):
 * - `min-chars`: fewer than `minChars` (default 40) code points — shorter than a couple of sentences;
 * - `cjk-share`: CJK ideographs are less than `minCjkShare` (default 0.6) of the letters and digits
 *   (`\p{L}\p{N}`) — English left untranslated, or mostly names and numbers;
 * - `char-run`: one character repeated more than `maxCharRun` (default 10) times in a row
 *   (`啊啊啊…`, `。。。。`; `……` and `——` are two characters each and pass);
 * - `mojibake`: U+FFFD, private-use characters, or the signatures of wrongly decoded text
 *   (UTF-8 read as Latin-1/CP-1252 such as `Ã©`/`ä¸`, GBK read as UTF-8 such as `锟斤拷`, `烫烫烫`);
 * - `unbalanced-quotes`: a pair of “” 「」 『』 《》 （） does not nest and close, or an odd number of ASCII `"`
 *   (‘’ are not checked: they double as apostrophes);
 * - `markup`: leftover HTML tags or entities, URLs, Markdown code fences/headings, JSON/escape residue
 *   (a literal `\n`, `{"`).
 */

/** Names of the quality rules, in the order they are checked (the first that fires is counted). */
export const QUALITY_RULES = ['min-chars', 'cjk-share', 'char-run', 'mojibake', 'unbalanced-quotes', 'markup'] as const;
export type QualityRule = (typeof QUALITY_RULES)[number];

export interface QualityOptions {
  /** Rules to apply; the others are skipped. Default: all. */
  enabled: ReadonlySet<QualityRule>;
  /** Minimum length in code points. Default 40. */
  minChars: number;
  /** Minimum share of CJK ideographs among letters and digits, 0..1. Default 0.6. */
  minCjkShare: number;
  /** Longest allowed run of one repeated character. Default 10. */
  maxCharRun: number;
}

export const DEFAULT_QUALITY: QualityOptions = {
  enabled: new Set(QUALITY_RULES),
  minChars: 40,
  minCjkShare: 0.6,
  maxCharRun: 10,
};

const HAN = /\p{Script=Han}/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const MOJIBAKE = /\uFFFD|[\uE000-\uF8FF]|[\u00C2-\u00F4][\u0080-\u00BF\u2018-\u203A\u0152-\u0178\u02C6\u02DC\u00A0-\u00BF]|锟斤拷|烫烫烫|屯屯屯/;
const MARKUP = /<\/?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?\/?>|&(?:[a-z]{2,8}|#\d{2,6}|#x[0-9a-f]{2,5});|https?:\/\/|www\.|```|^#{1,6} |\*\*[^*\n]+\*\*|\\[nrt"]|\{"|"\s*:\s*"|\[\[|\]\]/im;
const PAIRS: ReadonlyArray<[string, string]> = [['“', '”'], ['「', '」'], ['『', '』'], ['《', '》'], ['（', '）']];
const OPEN = new Map(PAIRS.map(([o, c]) => [o.charCodeAt(0), c.charCodeAt(0)]));
const CLOSE = new Set(PAIRS.map(([, c]) => c.charCodeAt(0)));

/** Code-point length. */
export function charCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/** Share of CJK ideographs (`\p{Script=Han}`) among letters and digits (`\p{L}\p{N}`); 0 when there are none. */
export function cjkShare(text: string): number {
  let han = 0;
  let letters = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // Fast paths: the main CJK Unified Ideographs blocks, ASCII; everything else through the Unicode regexes.
    if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf)) { han++; letters++; continue; }
    if (c < 0x80) {
      if ((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)) letters++;
      continue;
    }
    let ch = text[i];
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) ch = text.slice(i, ++i + 1);
    if (HAN.test(ch)) { han++; letters++; } else if (LETTER_OR_DIGIT.test(ch)) letters++;
  }
  return letters === 0 ? 0 : han / letters;
}

/** Length of the longest run of one repeated (non-space) character, in code points. */
export function longestCharRun(text: string): number {
  let best = 0;
  let run = 0;
  let prev = '';
  for (const ch of text) {
    if (ch === prev && ch !== ' ' && ch !== '\n') run++;
    else { run = 1; prev = ch; }
    if (run > best) best = run;
  }
  return best;
}

/** Whether the paired quotes/brackets nest and close and ASCII `"` come in pairs. */
export function quotesBalanced(text: string): boolean {
  const stack: number[] = [];
  let ascii = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { ascii++; continue; }
    if (c < 0x2000) continue;
    const close = OPEN.get(c);
    if (close !== undefined) { stack.push(close); continue; }
    if (CLOSE.has(c)) {
      if (stack.length === 0 || stack[stack.length - 1] !== c) return false;
      stack.pop();
    }
  }
  return stack.length === 0 && ascii % 2 === 0;
}

/**
 * Check a normalised story against the enabled rules.
 * @returns the first rule that rejects it, or `undefined` when it passes
 */
export function checkQuality(text: string, o: QualityOptions): QualityRule | undefined {
  const on = o.enabled;
  if (on.has('min-chars') && charCount(text) < o.minChars) return 'min-chars';
  if (on.has('cjk-share') && cjkShare(text) < o.minCjkShare) return 'cjk-share';
  if (on.has('char-run') && longestCharRun(text) > o.maxCharRun) return 'char-run';
  if (on.has('mojibake') && MOJIBAKE.test(text)) return 'mojibake';
  if (on.has('unbalanced-quotes') && !quotesBalanced(text)) return 'unbalanced-quotes';
  if (on.has('markup') && MARKUP.test(text)) return 'markup';
  return undefined;
}
