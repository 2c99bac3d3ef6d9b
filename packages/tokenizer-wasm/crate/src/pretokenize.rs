//! Pre-tokenizer: splits text into maximal runs of one character class, so that BPE merges never cross a boundary
//! between CJK characters, letters, digits, whitespace and punctuation.
//!
//! The classes are plain code-point ranges (no Unicode property tables), so the same split is expressed exactly as a
//! Hugging Face `Split` pre-tokenizer regex (`behavior: "Isolated"`, `invert: false`) that both Oniguruma (the native
//! `tokenizers` library) and JavaScript `RegExp` with the `u` flag (transformers.js / `@huggingface/tokenizers`)
//! interpret identically. [`split_regex`] generates that regex from [`RANGES`]; code points in no range form the
//! sixth class, "other" (emoji, symbols, other scripts), whose runs are the gaps between regex matches.

pub const OTHER: u8 = 0;
pub const CJK: u8 = 1;
pub const LETTER: u8 = 2;
pub const DIGIT: u8 = 3;
pub const SPACE: u8 = 4;
pub const PUNCT: u8 = 5;

const C: u8 = CJK;
const L: u8 = LETTER;
const D: u8 = DIGIT;
const S: u8 = SPACE;
const P: u8 = PUNCT;

/// Inclusive code-point ranges and their class, sorted and non-overlapping.
pub const RANGES: &[(u32, u32, u8)] = &[
    (0x09, 0x0D, S),
    (0x20, 0x20, S),
    (0x21, 0x2F, P),
    (0x30, 0x39, D),
    (0x3A, 0x40, P),
    (0x41, 0x5A, L),
    (0x5B, 0x60, P),
    (0x61, 0x7A, L),
    (0x7B, 0x7E, P),
    (0x85, 0x85, S),
    (0xA0, 0xA0, S),
    (0xA1, 0xBF, P),
    (0xC0, 0xD6, L),
    (0xD7, 0xD7, P),
    (0xD8, 0xF6, L),
    (0xF7, 0xF7, P),
    (0xF8, 0x52F, L), // Latin extended, IPA, modifiers, combining marks, Greek, Cyrillic
    (0x1680, 0x1680, S),
    (0x1E00, 0x1EFF, L), // Latin Extended Additional
    (0x2000, 0x200A, S),
    (0x2010, 0x2027, P),
    (0x2028, 0x2029, S),
    (0x202F, 0x202F, S),
    (0x2030, 0x205E, P),
    (0x205F, 0x205F, S),
    (0x2E80, 0x2FDF, C), // CJK radicals, Kangxi radicals
    (0x3000, 0x3000, S), // ideographic space
    (0x3001, 0x3003, P), // 、。〃
    (0x3005, 0x3007, C), // 々〆〇
    (0x3008, 0x3020, P), // 〈〉《》「」『』【】〔〕〖〗〘〙〚〛〜〝〞〟〠
    (0x3021, 0x3029, C),
    (0x3030, 0x3030, P),
    (0x3038, 0x303C, C),
    (0x303D, 0x303D, P),
    (0x3040, 0x30FF, C), // kana
    (0x31C0, 0x31FF, C), // strokes, kana extension
    (0x3400, 0x4DBF, C), // Extension A
    (0x4E00, 0x9FFF, C), // URO
    (0xF900, 0xFAFF, C), // compatibility ideographs
    (0xFE10, 0xFE19, P), // vertical forms
    (0xFE30, 0xFE6B, P), // CJK compatibility forms, small form variants
    (0xFF01, 0xFF0F, P), // fullwidth punctuation
    (0xFF10, 0xFF19, D), // fullwidth digits
    (0xFF1A, 0xFF20, P),
    (0xFF21, 0xFF3A, L),
    (0xFF3B, 0xFF40, P),
    (0xFF41, 0xFF5A, L),
    (0xFF5B, 0xFF65, P),
    (0x20000, 0x2FA1F, C), // Extensions B-F, compatibility supplement
    (0x30000, 0x323AF, C), // Extensions G, H
];

static ASCII: [u8; 128] = build_ascii();

const fn build_ascii() -> [u8; 128] {
    let mut t = [OTHER; 128];
    let mut i = 0;
    while i < RANGES.len() {
        let (a, b, c) = RANGES[i];
        let mut cp = a;
        while cp <= b && cp < 128 {
            t[cp as usize] = c;
            cp += 1;
        }
        i += 1;
    }
    t
}

/// The class of one code point.
#[inline]
pub fn class_of(cp: u32) -> u8 {
    if cp < 128 {
        return ASCII[cp as usize];
    }
    if (0x4E00..=0x9FFF).contains(&cp) {
        return CJK;
    }
    // Binary search for the last range starting at or before cp.
    let (mut lo, mut hi) = (0usize, RANGES.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        if RANGES[mid].0 <= cp {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if lo == 0 {
        return OTHER;
    }
    let (_, b, c) = RANGES[lo - 1];
    if cp <= b {
        c
    } else {
        OTHER
    }
}

/// Calls `f(start, end)` with the byte range of each maximal same-class run of `text`, in order.
#[inline]
pub fn for_each_piece<F: FnMut(usize, usize)>(text: &str, mut f: F) {
    let bytes = text.as_bytes();
    let n = bytes.len();
    if n == 0 {
        return;
    }
    let mut start = 0usize;
    let mut cur: u8 = 255;
    let mut i = 0usize;
    while i < n {
        let b0 = bytes[i];
        let (cp, w) = if b0 < 0x80 {
            (b0 as u32, 1)
        } else if b0 < 0xE0 {
            ((((b0 & 0x1F) as u32) << 6) | (bytes[i + 1] & 0x3F) as u32, 2)
        } else if b0 < 0xF0 {
            (
                (((b0 & 0x0F) as u32) << 12) | (((bytes[i + 1] & 0x3F) as u32) << 6) | (bytes[i + 2] & 0x3F) as u32,
                3,
            )
        } else {
            (
                (((b0 & 0x07) as u32) << 18)
                    | (((bytes[i + 1] & 0x3F) as u32) << 12)
                    | (((bytes[i + 2] & 0x3F) as u32) << 6)
                    | (bytes[i + 3] & 0x3F) as u32,
                4,
            )
        };
        let c = class_of(cp);
        if c != cur {
            if i > start {
                f(start, i);
            }
            start = i;
            cur = c;
        }
        i += w;
    }
    f(start, n);
}

fn push_escaped(out: &mut String, cp: u32) {
    if cp < 0x20 || cp == 0x7F {
        out.push_str(&format!("\\x{:02X}", cp));
        return;
    }
    let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
    if matches!(ch, '\\' | ']' | '[' | '^' | '-') {
        out.push('\\');
    }
    out.push(ch);
}

/// The `Split` pre-tokenizer regex matching the non-"other" classes: `[CJK]+|[letters]+|[digits]+|[space]+|[punct]+`.
pub fn split_regex() -> String {
    let mut out = String::new();
    for (k, class) in [CJK, LETTER, DIGIT, SPACE, PUNCT].iter().enumerate() {
        if k > 0 {
            out.push('|');
        }
        out.push('[');
        for &(a, b, c) in RANGES {
            if c != *class {
                continue;
            }
            push_escaped(&mut out, a);
            if b > a {
                out.push('-');
                push_escaped(&mut out, b);
            }
        }
        out.push_str("]+");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pieces() {
        let s = "小猫说：“Hi 123！”😀😀\n\n";
        let mut v = vec![];
        for_each_piece(s, |a, b| v.push(&s[a..b]));
        assert_eq!(v, vec!["小猫说", "：“", "Hi", " ", "123", "！”", "😀😀", "\n\n"]);
    }
    #[test]
    fn sorted() {
        for w in RANGES.windows(2) {
            assert!(w[0].1 < w[1].0);
        }
    }
}
