//! BPE training (Sennrich et al. 2016) over pre-tokenized pieces, with incremental pair counts as in the Hugging Face
//! `BpeTrainer` (`tokenizers/src/models/bpe/trainer.rs`): each merge touches only the words that contain its pair.
//!
//! Memory is bounded by the number of distinct pieces kept (`max_pieces`): text is streamed in with
//! [`Trainer::feed`], counted into a hash map, and when the map exceeds `max_pieces` the rarest pieces are dropped
//! (counts below a threshold that doubles until the map is at most half full; their characters are still counted for
//! the alphabet). The resulting vocabulary is laid out
//! as documented in `docs/formats.md`: 12 special tokens, 256 byte tokens, characters (most frequent first, up to
//! `character_coverage` of all character occurrences), then merged tokens in merge order.

use crate::hash::{new_map, FxMap};
use crate::model::{AddedToken, Model};
use crate::pretokenize::for_each_piece;
use std::collections::BinaryHeap;

pub const SPECIAL_TOKENS: [&str; 12] = [
    "<unk>",
    "<s>",
    "</s>",
    "<pad>",
    "<|reserved_0|>",
    "<|reserved_1|>",
    "<|reserved_2|>",
    "<|reserved_3|>",
    "<|reserved_4|>",
    "<|reserved_5|>",
    "<|reserved_6|>",
    "<|reserved_7|>",
];
pub const BASE_TOKENS: usize = 12 + 256;

pub struct Trainer {
    counts: FxMap<Box<str>, u64>,
    /// Character counts of the pieces dropped by pruning, so that the alphabet still sees every character.
    pruned_chars: FxMap<char, u64>,
    max_pieces: usize,
    pub pruned_pieces: u64,
    pub bytes_seen: u64,
}

pub struct TrainOptions {
    pub vocab_size: usize,
    pub min_frequency: u64,
    pub character_coverage: f64,
}

struct PairInfo {
    count: i64,
    words: Vec<u32>,
}

#[inline]
fn key(a: u32, b: u32) -> u64 {
    ((a as u64) << 32) | b as u64
}

impl Trainer {
    pub fn new(max_pieces: usize) -> Trainer {
        Trainer { counts: new_map(), pruned_chars: new_map(), max_pieces: max_pieces.max(1024), pruned_pieces: 0, bytes_seen: 0 }
    }

    pub fn distinct_pieces(&self) -> usize {
        self.counts.len()
    }

    /// Counts the pieces of one text. Pieces never span two calls.
    pub fn feed(&mut self, text: &str) {
        self.bytes_seen += text.len() as u64;
        let counts = &mut self.counts;
        for_each_piece(text, |a, b| {
            let p = &text[a..b];
            if let Some(c) = counts.get_mut(p) {
                *c += 1;
            } else {
                counts.insert(p.into(), 1);
            }
        });
        if self.counts.len() > self.max_pieces {
            self.prune();
        }
    }

    fn prune(&mut self) {
        let before = self.counts.len();
        let mut threshold = 2u64;
        let pruned_chars = &mut self.pruned_chars;
        loop {
            self.counts.retain(|p, c| {
                if *c >= threshold {
                    return true;
                }
                for ch in p.chars() {
                    *pruned_chars.entry(ch).or_insert(0) += *c;
                }
                false
            });
            if self.counts.len() <= self.max_pieces / 2 {
                break;
            }
            threshold *= 2;
        }
        self.pruned_pieces += (before - self.counts.len()) as u64;
    }

    /// Learns the vocabulary and merges.
    pub fn finish(&self, opts: &TrainOptions) -> Result<Model, String> {
        if opts.vocab_size < BASE_TOKENS + 1 {
            return Err(format!(
                "vocabSize must be at least {} (12 special tokens + 256 byte tokens + 1), got {}",
                BASE_TOKENS + 1,
                opts.vocab_size
            ));
        }
        if !(opts.character_coverage > 0.0 && opts.character_coverage <= 1.0) {
            return Err(format!("characterCoverage must be in (0, 1], got {}", opts.character_coverage));
        }
        let min_freq = opts.min_frequency.max(1) as i64;
        let mut tokens: Vec<String> = SPECIAL_TOKENS.iter().map(|s| s.to_string()).collect();
        for b in 0..256u32 {
            tokens.push(format!("<0x{:02X}>", b));
        }
        let mut token_ids: FxMap<String, u32> = new_map();
        for (i, t) in tokens.iter().enumerate() {
            token_ids.insert(t.clone(), i as u32);
        }

        // 1. Alphabet: characters by frequency (ties: code point), up to the coverage and the vocabulary budget.
        let mut char_counts: FxMap<char, u64> = self.pruned_chars.clone();
        let mut total: u64 = self.pruned_chars.values().sum();
        for (p, &c) in self.counts.iter() {
            for ch in p.chars() {
                *char_counts.entry(ch).or_insert(0) += c;
                total += c;
            }
        }
        let mut chars: Vec<(char, u64)> = char_counts.into_iter().collect();
        chars.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let budget = opts.vocab_size - BASE_TOKENS;
        let mut char_id: FxMap<char, u32> = new_map();
        let mut covered: u64 = 0;
        for &(ch, c) in chars.iter() {
            if char_id.len() >= budget {
                break;
            }
            if total > 0 && (covered as f64) / (total as f64) >= opts.character_coverage {
                break;
            }
            let s = ch.to_string();
            if token_ids.contains_key(&s) {
                continue;
            }
            let id = tokens.len() as u32;
            token_ids.insert(s.clone(), id);
            tokens.push(s);
            char_id.insert(ch, id);
            covered += c;
        }

        // 2. Words: pieces as symbol sequences; a character outside the alphabet splits the piece (it becomes byte
        //    tokens at encoding time, which never merge).
        let mut syms: Vec<u32> = Vec::new();
        let mut words: Vec<(u32, u32)> = Vec::new(); // (start, len) into syms
        let mut wcount: Vec<i64> = Vec::new();
        let mut entries: Vec<(&str, u64)> = self.counts.iter().map(|(p, &c)| (&**p, c)).collect();
        entries.sort_unstable(); // deterministic word order
        for (p, c) in entries {
            let mut start = syms.len();
            for ch in p.chars() {
                match char_id.get(&ch) {
                    Some(&id) => syms.push(id),
                    None => {
                        if syms.len() - start >= 2 {
                            words.push((start as u32, (syms.len() - start) as u32));
                            wcount.push(c as i64);
                        } else {
                            syms.truncate(start);
                        }
                        start = syms.len();
                    }
                }
            }
            if syms.len() - start >= 2 {
                words.push((start as u32, (syms.len() - start) as u32));
                wcount.push(c as i64);
            } else {
                syms.truncate(start);
            }
        }

        // 3. Initial pair counts and the words each pair occurs in.
        let mut pairs: FxMap<u64, PairInfo> = new_map();
        for (w, &(s, l)) in words.iter().enumerate() {
            let c = wcount[w];
            let s = s as usize;
            for i in s..s + l as usize - 1 {
                let e = pairs.entry(key(syms[i], syms[i + 1])).or_insert(PairInfo { count: 0, words: Vec::new() });
                e.count += c;
                if e.words.last() != Some(&(w as u32)) {
                    e.words.push(w as u32);
                }
            }
        }
        let mut heap: BinaryHeap<(i64, std::cmp::Reverse<u64>)> =
            pairs.iter().map(|(&k, p)| (p.count, std::cmp::Reverse(k))).collect();

        // 4. Merge loop.
        let mut merges: Vec<(String, String)> = Vec::new();
        let mut stamp: Vec<u32> = vec![u32::MAX; words.len()];
        let mut touched: Vec<u64> = Vec::new();
        while tokens.len() < opts.vocab_size {
            let (count, std::cmp::Reverse(k)) = match heap.pop() {
                Some(t) => t,
                None => break,
            };
            let current = pairs.get(&k).map_or(0, |p| p.count);
            if current != count {
                if current > 0 {
                    heap.push((current, std::cmp::Reverse(k)));
                }
                continue;
            }
            if count < min_freq {
                break;
            }
            let (a, b) = ((k >> 32) as u32, (k & 0xFFFF_FFFF) as u32);
            let joined = format!("{}{}", tokens[a as usize], tokens[b as usize]);
            let n = match token_ids.get(&joined) {
                Some(&id) => id,
                None => {
                    let id = tokens.len() as u32;
                    token_ids.insert(joined.clone(), id);
                    tokens.push(joined);
                    id
                }
            };
            merges.push((tokens[a as usize].clone(), tokens[b as usize].clone()));
            let merge_no = merges.len() as u32;
            let wlist = match pairs.remove(&k) {
                Some(p) => p.words,
                None => Vec::new(),
            };
            touched.clear();
            for &w in wlist.iter() {
                let wi = w as usize;
                if stamp[wi] == merge_no {
                    continue;
                }
                stamp[wi] = merge_no;
                let c = wcount[wi];
                let (s, l) = words[wi];
                let (s, l) = (s as usize, l as usize);
                let mut i = s;
                let mut o = s; // write cursor
                while i < s + l {
                    if i + 1 < s + l && syms[i] == a && syms[i + 1] == b {
                        if o > s {
                            let prev = syms[o - 1];
                            // `prev` is final: it may be `n` from the previous occurrence.
                            add(&mut pairs, key(prev, a), -c, w);
                            add(&mut pairs, key(prev, n), c, w);
                            touched.push(key(prev, n));
                        }
                        if i + 2 < s + l {
                            let next = syms[i + 2];
                            add(&mut pairs, key(b, next), -c, w);
                            add(&mut pairs, key(n, next), c, w);
                            touched.push(key(n, next));
                        }
                        syms[o] = n;
                        o += 1;
                        i += 2;
                    } else {
                        syms[o] = syms[i];
                        o += 1;
                        i += 1;
                    }
                }
                words[wi].1 = (o - s) as u32;
            }
            // The merged pair itself is gone (its count entries were removed with `pairs.remove`); drop any
            // stray re-insertions made by `add` for it.
            pairs.remove(&k);
            touched.sort_unstable();
            touched.dedup();
            for &t in touched.iter() {
                if let Some(p) = pairs.get(&t) {
                    if p.count > 0 {
                        heap.push((p.count, std::cmp::Reverse(t)));
                    }
                }
            }
        }

        let added: Vec<AddedToken> = SPECIAL_TOKENS
            .iter()
            .enumerate()
            .map(|(i, s)| AddedToken { id: i as u32, content: s.to_string(), special: true })
            .collect();
        Model::new(tokens, merges, added)
    }
}

#[inline]
fn add(pairs: &mut FxMap<u64, PairInfo>, k: u64, delta: i64, w: u32) {
    if delta < 0 {
        if let Some(e) = pairs.get_mut(&k) {
            e.count += delta;
            if e.count == 0 {
                pairs.remove(&k);
            }
            return;
        }
    }
    let e = pairs.entry(k).or_insert(PairInfo { count: 0, words: Vec::new() });
    e.count += delta;
    if delta > 0 && e.words.last() != Some(&w) {
        e.words.push(w);
    }
}
