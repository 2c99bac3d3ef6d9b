//! The tokenizer model: vocabulary, BPE merges (Sennrich et al. 2016, applied by merge rank as in the Hugging Face
//! `tokenizers` BPE model), byte fallback (SentencePiece / Llama 2: a character missing from the vocabulary becomes
//! its UTF-8 bytes as `<0xXX>` tokens) and added (special) tokens matched in the input before pre-tokenization.
//!
//! Encoding must give exactly the ids of Hugging Face `tokenizers` for the same `tokenizer.json`; the merge loop
//! follows `tokenizers/src/models/bpe/word.rs` (`Word::merge_all`): lowest rank first, leftmost on ties.

use crate::hash::{new_map, FxMap};
use crate::pretokenize::for_each_piece;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const NONE: u32 = u32::MAX;
const CACHE_MAX_ENTRIES: usize = 200_000;
const CACHE_MAX_PIECE_BYTES: usize = 96;

pub struct AddedToken {
    pub id: u32,
    pub content: String,
    pub special: bool,
}

pub struct Model {
    pub tokens: Vec<String>,
    token_ids: FxMap<String, u32>,
    /// `(left << 32 | right)` → `(rank, merged id)`.
    merges: FxMap<u64, (u32, u32)>,
    pub merge_list: Vec<(u32, u32)>,
    pub added: Vec<AddedToken>,
    added_first_byte: [bool; 256],
    /// Token id of each BMP character that is itself a token, `NONE` otherwise.
    bmp: Vec<u32>,
    astral: FxMap<u32, u32>,
    byte_ids: [u32; 256],
    /// For decoding: byte value + 1 for byte tokens (`<0xXX>`), 0 otherwise.
    byte_value: Vec<u16>,
    pub is_special: Vec<bool>,
    cache: FxMap<Box<[u8]>, Box<[u32]>>,
    // Scratch space reused across calls.
    syms: Vec<Sym>,
    heap: BinaryHeap<Reverse<u64>>,
}

#[derive(Clone, Copy)]
struct Sym {
    id: u32,
    prev: i32,
    next: i32,
    alive: bool,
}

fn byte_token(b: u8) -> String {
    format!("<0x{:02X}>", b)
}

/// Parses a byte-token name the way the Hugging Face `ByteFallback` decoder does.
fn parse_byte_token(t: &str) -> Option<u8> {
    let b = t.as_bytes();
    if b.len() == 6 && t.starts_with("<0x") && b[5] == b'>' {
        u8::from_str_radix(&t[3..5], 16).ok()
    } else {
        None
    }
}

fn show(s: &str) -> String {
    format!("{:?}", s)
}

impl Model {
    /// Builds a model. `tokens[i]` is the token of id `i`; `merges` are token-id pairs in rank order.
    /// Errors name the offending entry.
    pub fn new(tokens: Vec<String>, merge_pairs: Vec<(String, String)>, added: Vec<AddedToken>) -> Result<Model, String> {
        if tokens.is_empty() {
            return Err("model.vocab is empty".into());
        }
        if tokens.len() > (i32::MAX as usize) {
            return Err("model.vocab is too large".into());
        }
        let mut token_ids: FxMap<String, u32> = new_map();
        token_ids.reserve(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if t.is_empty() {
                return Err(format!("model.vocab: token of id {} is the empty string", i));
            }
            if let Some(prev) = token_ids.insert(t.clone(), i as u32) {
                return Err(format!("model.vocab: token {} has two ids, {} and {}", show(t), prev, i));
            }
        }
        let mut byte_ids = [0u32; 256];
        for b in 0..256usize {
            let name = byte_token(b as u8);
            match token_ids.get(&name) {
                Some(&id) => byte_ids[b] = id,
                None => return Err(format!("model.vocab: byte-fallback token {} is missing (all 256 <0x00>..<0xFF> are required)", name)),
            }
        }
        let mut merges: FxMap<u64, (u32, u32)> = new_map();
        merges.reserve(merge_pairs.len());
        let mut merge_list = Vec::with_capacity(merge_pairs.len());
        for (rank, (a, b)) in merge_pairs.iter().enumerate() {
            let ia = *token_ids.get(a).ok_or_else(|| format!("model.merges[{}]: token {} is not in model.vocab", rank, show(a)))?;
            let ib = *token_ids.get(b).ok_or_else(|| format!("model.merges[{}]: token {} is not in model.vocab", rank, show(b)))?;
            let joined = format!("{}{}", a, b);
            let inew = *token_ids
                .get(&joined)
                .ok_or_else(|| format!("model.merges[{}]: merged token {} is not in model.vocab", rank, show(&joined)))?;
            let key = ((ia as u64) << 32) | ib as u64;
            // Hugging Face keeps the last rank for a duplicated merge (HashMap insert); do the same.
            merges.insert(key, (rank as u32, inew));
            merge_list.push((ia, ib));
        }
        let mut added_first_byte = [false; 256];
        let mut is_special = vec![false; tokens.len()];
        for (k, a) in added.iter().enumerate() {
            if a.content.is_empty() {
                return Err(format!("added_tokens[{}]: content is empty", k));
            }
            let id = a.id as usize;
            if id >= tokens.len() || tokens[id] != a.content {
                return Err(format!(
                    "added_tokens[{}]: {} with id {} does not match model.vocab (expected the same token at the same id)",
                    k,
                    show(&a.content),
                    a.id
                ));
            }
            added_first_byte[a.content.as_bytes()[0] as usize] = true;
            if a.special {
                is_special[id] = true;
            }
        }
        let mut bmp = vec![NONE; 0x10000];
        let mut astral: FxMap<u32, u32> = new_map();
        let mut byte_value = vec![0u16; tokens.len()];
        for (i, t) in tokens.iter().enumerate() {
            let mut it = t.chars();
            if let (Some(c), None) = (it.next(), it.next()) {
                let cp = c as u32;
                if cp < 0x10000 {
                    bmp[cp as usize] = i as u32;
                } else {
                    astral.insert(cp, i as u32);
                }
            }
            if let Some(b) = parse_byte_token(t) {
                byte_value[i] = b as u16 + 1;
            }
        }
        Ok(Model {
            tokens,
            token_ids,
            merges,
            merge_list,
            added,
            added_first_byte,
            bmp,
            astral,
            byte_ids,
            byte_value,
            is_special,
            cache: new_map(),
            syms: Vec::new(),
            heap: BinaryHeap::new(),
        })
    }

    pub fn token_to_id(&self, t: &str) -> Option<u32> {
        self.token_ids.get(t).copied()
    }

    pub fn vocab_size(&self) -> usize {
        self.tokens.len()
    }

    /// Encodes `text`, appending ids to `out`.
    pub fn encode(&mut self, text: &str, out: &mut Vec<u32>) {
        if self.added.is_empty() {
            self.encode_plain(text, out);
            return;
        }
        let bytes = text.as_bytes();
        let mut seg_start = 0usize;
        let mut i = 0usize;
        while i < bytes.len() {
            if self.added_first_byte[bytes[i] as usize] {
                // Leftmost-longest match among added tokens (Hugging Face uses Aho-Corasick LeftmostLongest).
                let mut best: Option<(usize, u32)> = None;
                for a in &self.added {
                    let c = a.content.as_bytes();
                    if bytes[i..].starts_with(c) && best.map_or(true, |(l, _)| c.len() > l) {
                        best = Some((c.len(), a.id));
                    }
                }
                if let Some((l, id)) = best {
                    if i > seg_start {
                        // Added-token contents are valid UTF-8 and start on a char boundary.
                        let seg = &text[seg_start..i];
                        self.encode_plain(seg, out);
                    }
                    out.push(id);
                    i += l;
                    seg_start = i;
                    continue;
                }
            }
            i += 1;
        }
        if seg_start < bytes.len() {
            let seg = &text[seg_start..];
            self.encode_plain(seg, out);
        }
    }

    fn encode_plain(&mut self, text: &str, out: &mut Vec<u32>) {
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        for_each_piece(text, |a, b| pieces.push((a, b)));
        for (a, b) in pieces {
            self.encode_piece(&text[a..b], out);
        }
    }

    #[inline]
    fn char_id(&self, c: char) -> u32 {
        let cp = c as u32;
        if cp < 0x10000 {
            self.bmp[cp as usize]
        } else {
            *self.astral.get(&cp).unwrap_or(&NONE)
        }
    }

    #[inline]
    fn merge_of(&self, a: u32, b: u32) -> Option<(u32, u32)> {
        self.merges.get(&(((a as u64) << 32) | b as u64)).copied()
    }

    fn encode_piece(&mut self, piece: &str, out: &mut Vec<u32>) {
        // Fast path: a single character.
        let mut chars = piece.chars();
        let first = chars.next();
        if let (Some(c), None) = (first, chars.clone().next()) {
            let id = self.char_id(c);
            if id != NONE {
                out.push(id);
                return;
            }
        }
        let cacheable = piece.len() <= CACHE_MAX_PIECE_BYTES;
        if cacheable {
            if let Some(ids) = self.cache.get(piece.as_bytes()) {
                out.extend_from_slice(ids);
                return;
            }
        }
        let start = out.len();
        let mut syms = std::mem::take(&mut self.syms);
        syms.clear();
        let mut buf = [0u8; 4];
        for c in piece.chars() {
            let id = self.char_id(c);
            if id != NONE {
                syms.push(Sym { id, prev: 0, next: 0, alive: true });
            } else {
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    syms.push(Sym { id: self.byte_ids[b as usize], prev: 0, next: 0, alive: true });
                }
            }
        }
        let n = syms.len();
        for i in 0..n {
            syms[i].prev = i as i32 - 1;
            syms[i].next = if i + 1 < n { i as i32 + 1 } else { -1 };
        }
        let mut heap = std::mem::take(&mut self.heap);
        heap.clear();
        for i in 0..n.saturating_sub(1) {
            if let Some((rank, _)) = self.merge_of(syms[i].id, syms[i + 1].id) {
                heap.push(Reverse(((rank as u64) << 32) | i as u64));
            }
        }
        while let Some(Reverse(top)) = heap.pop() {
            let rank = (top >> 32) as u32;
            let pos = (top & 0xFFFF_FFFF) as usize;
            if !syms[pos].alive || syms[pos].next < 0 {
                continue;
            }
            let next = syms[pos].next as usize;
            let (cur_rank, new_id) = match self.merge_of(syms[pos].id, syms[next].id) {
                Some(m) => m,
                None => continue,
            };
            if cur_rank != rank {
                continue;
            }
            syms[pos].id = new_id;
            let nn = syms[next].next;
            syms[pos].next = nn;
            syms[next].alive = false;
            if nn >= 0 {
                syms[nn as usize].prev = pos as i32;
                if let Some((r, _)) = self.merge_of(new_id, syms[nn as usize].id) {
                    heap.push(Reverse(((r as u64) << 32) | pos as u64));
                }
            }
            let prev = syms[pos].prev;
            if prev >= 0 {
                if let Some((r, _)) = self.merge_of(syms[prev as usize].id, new_id) {
                    heap.push(Reverse(((r as u64) << 32) | prev as u64));
                }
            }
        }
        let mut i = 0i32;
        while i >= 0 && (i as usize) < n {
            out.push(syms[i as usize].id);
            i = syms[i as usize].next;
        }
        self.syms = syms;
        self.heap = heap;
        if cacheable {
            if self.cache.len() >= CACHE_MAX_ENTRIES {
                self.cache.clear();
            }
            self.cache.insert(piece.as_bytes().into(), out[start..].into());
        }
    }

    /// Decodes ids as the Hugging Face decoder `Sequence[ByteFallback, Fuse]` does: runs of byte tokens are joined
    /// and read as UTF-8; a run that is not valid UTF-8 becomes one U+FFFD per byte token.
    pub fn decode(&self, ids: &[u32], skip_special: bool, out: &mut Vec<u8>) -> Result<(), String> {
        let mut pending: Vec<u8> = Vec::new();
        for (k, &id) in ids.iter().enumerate() {
            let i = id as usize;
            if i >= self.tokens.len() {
                return Err(format!("invalid token id {} at index {} (vocabulary size {})", id, k, self.tokens.len()));
            }
            if skip_special && self.is_special[i] {
                continue;
            }
            let bv = self.byte_value[i];
            if bv != 0 {
                pending.push((bv - 1) as u8);
                continue;
            }
            flush_bytes(&mut pending, out);
            out.extend_from_slice(self.tokens[i].as_bytes());
        }
        flush_bytes(&mut pending, out);
        Ok(())
    }

    /// Byte value of a byte-fallback token, if `id` is one.
    pub fn byte_of(&self, id: u32) -> Option<u8> {
        match self.byte_value.get(id as usize) {
            Some(&v) if v != 0 => Some((v - 1) as u8),
            _ => None,
        }
    }
}

fn flush_bytes(pending: &mut Vec<u8>, out: &mut Vec<u8>) {
    if pending.is_empty() {
        return;
    }
    if std::str::from_utf8(pending).is_ok() {
        out.extend_from_slice(pending);
    } else {
        for _ in 0..pending.len() {
            out.extend_from_slice("\u{FFFD}".as_bytes());
        }
    }
    pending.clear();
}
