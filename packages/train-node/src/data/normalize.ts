/**
 * Text normalisation applied to every story before any rule, hash or tokenizer sees it.
 *
 * - Unicode NFC (canonical composition). Never NFKC: compatibility folding would turn the full-width
 *   punctuation Chinese text uses (，。！？：；（）) into ASCII.
 * - Line breaks: `\r\n`, `\r`, U+2028/U+2029, U+0085 become `\n`; every line is trimmed; empty lines are
 *   dropped (one `\n` separates paragraphs, as in TinyStories-zh `story_zh`).
 * - Inside a line, runs of spaces, tabs, NBSP, U+3000 and other `\s` collapse to one ASCII space; zero-width
 *   characters (U+200B–U+200D, U+2060, U+FEFF) and C0/C1 controls other than `\n` are removed; a space between
 *   two CJK characters or CJK punctuation (a translation artefact: `他 说`) is removed.
 */

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u0084\u0086-\u009F]/g;
const LINE_BREAKS = /\r\n|[\r\u2028\u2029\u0085]/g;
const SPACES = /[^\S\n]+/g;
// CJK ideographs, kana, CJK/full-width punctuation.
const CJKISH = '\\u2E80-\\u2FDF\\u3000-\\u303F\\u3040-\\u30FF\\u3400-\\u4DBF\\u4E00-\\u9FFF\\uF900-\\uFAFF\\uFF00-\\uFFEF\\u201C\\u201D\\u2018\\u2019\\u2026\\u2014';
const SPACE_BETWEEN_CJK = new RegExp(`(?<=[${CJKISH}]) (?=[${CJKISH}])`, 'g');

/**
 * Normalise a story (see the module comment for the exact rules). Idempotent: `normalizeText(normalizeText(s)) === normalizeText(s)`.
 * @returns the normalised text ('' when nothing but whitespace is left)
 */
export function normalizeText(text: string): string {
  let t = text.normalize('NFC');
  t = t.replace(LINE_BREAKS, '\n').replace(ZERO_WIDTH, '').replace(CONTROLS, '');
  const lines = t.split('\n');
  const out: string[] = [];
  for (const line of lines) {
    const l = line.replace(SPACES, ' ').trim();
    if (l.length > 0) out.push(l.includes(' ') ? l.replace(SPACE_BETWEEN_CJK, '') : l);
  }
  return out.join('\n');
}
