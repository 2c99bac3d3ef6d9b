//! `tinyzh-tokenizer`: a byte-fallback BPE tokenizer for Chinese with a C-style WebAssembly interface.
//!
//! Every export validates its input and reports failure as a return value (`0`/null handle or `-1`), with the
//! message readable through `tz_error_ptr`/`tz_error_len`; nothing is expected to trap. As a last line of defence a
//! panic hook stores the panic message there before the (`panic = "abort"`) trap, so the JavaScript wrapper can
//! still say what went wrong.
//!
//! Memory protocol: JavaScript allocates input buffers with `tz_alloc`/`tz_free`; outputs live in buffers owned by
//! the tokenizer (`tz_out_ids_ptr`, `tz_out_bytes_ptr`) and stay valid until the next call on that tokenizer.
//!
//! Blob format (tokenizer interchange between JavaScript and Rust, all integers u32 little-endian, strings UTF-8):
//! `n_vocab, n_vocab × (len, bytes)` in id order; `n_merges, n_merges × (len, bytes, len, bytes)`;
//! `n_added, n_added × (id, special 0|1, len, bytes)`.

pub mod hash;
pub mod model;
pub mod pretokenize;
pub mod train;

use model::{AddedToken, Model};
use std::alloc::{alloc, dealloc, Layout};
use train::{TrainOptions, Trainer};

static mut ERROR: Vec<u8> = Vec::new();
static mut STATIC_OUT: Vec<u8> = Vec::new();

fn set_error(msg: &str) {
    unsafe {
        ERROR.clear();
        ERROR.extend_from_slice(msg.as_bytes());
    }
}

pub struct Tok {
    model: Model,
    out_ids: Vec<u32>,
    out_bytes: Vec<u8>,
}

/// Panics on purpose, so that tests can check that a trap reaches JavaScript as a readable error.
#[no_mangle]
pub extern "C" fn tz_debug_panic() {
    panic!("deliberate panic for testing");
}

/// Installs the panic hook. Call once after instantiation.
#[no_mangle]
pub extern "C" fn tz_init() {
    std::panic::set_hook(Box::new(|info| {
        set_error(&format!("internal error: {}", info));
    }));
}

#[no_mangle]
pub extern "C" fn tz_error_ptr() -> *const u8 {
    unsafe { ERROR.as_ptr() }
}

#[no_mangle]
pub extern "C" fn tz_error_len() -> usize {
    unsafe { ERROR.len() }
}

/// Allocates `size` bytes (8-aligned); returns null when `size` is 0 or memory is exhausted.
#[no_mangle]
pub extern "C" fn tz_alloc(size: usize) -> *mut u8 {
    if size == 0 {
        return std::ptr::null_mut();
    }
    match Layout::from_size_align(size, 8) {
        Ok(l) => unsafe { alloc(l) },
        Err(_) => std::ptr::null_mut(),
    }
}

#[no_mangle]
pub extern "C" fn tz_free(ptr: *mut u8, size: usize) {
    if ptr.is_null() || size == 0 {
        return;
    }
    if let Ok(l) = Layout::from_size_align(size, 8) {
        unsafe { dealloc(ptr, l) }
    }
}

unsafe fn slice<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        &[]
    } else {
        std::slice::from_raw_parts(ptr, len)
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn u32(&mut self, what: &str) -> Result<u32, String> {
        if self.pos + 4 > self.b.len() {
            return Err(format!("tokenizer blob truncated while reading {}", what));
        }
        let v = u32::from_le_bytes([self.b[self.pos], self.b[self.pos + 1], self.b[self.pos + 2], self.b[self.pos + 3]]);
        self.pos += 4;
        Ok(v)
    }
    fn string(&mut self, what: &str) -> Result<String, String> {
        let n = self.u32(what)? as usize;
        if self.pos + n > self.b.len() {
            return Err(format!("tokenizer blob truncated while reading {}", what));
        }
        let s = std::str::from_utf8(&self.b[self.pos..self.pos + n])
            .map_err(|_| format!("{} is not valid UTF-8", what))?
            .to_string();
        self.pos += n;
        Ok(s)
    }
}

fn parse_blob(b: &[u8]) -> Result<Model, String> {
    let mut r = Reader { b, pos: 0 };
    let nv = r.u32("vocabulary size")? as usize;
    if nv > b.len() {
        return Err("tokenizer blob: vocabulary size exceeds blob".into());
    }
    let mut tokens = Vec::with_capacity(nv);
    for i in 0..nv {
        tokens.push(r.string(&format!("model.vocab id {}", i))?);
    }
    let nm = r.u32("merge count")? as usize;
    if nm > b.len() {
        return Err("tokenizer blob: merge count exceeds blob".into());
    }
    let mut merges = Vec::with_capacity(nm);
    for i in 0..nm {
        let a = r.string(&format!("model.merges[{}][0]", i))?;
        let bb = r.string(&format!("model.merges[{}][1]", i))?;
        merges.push((a, bb));
    }
    let na = r.u32("added token count")? as usize;
    if na > b.len() {
        return Err("tokenizer blob: added token count exceeds blob".into());
    }
    let mut added = Vec::with_capacity(na);
    for i in 0..na {
        let id = r.u32("added token id")?;
        let special = r.u32("added token flag")? != 0;
        let content = r.string(&format!("added_tokens[{}].content", i))?;
        added.push(AddedToken { id, content, special });
    }
    if r.pos != b.len() {
        return Err("tokenizer blob has trailing bytes".into());
    }
    Model::new(tokens, merges, added)
}

fn write_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn write_str(out: &mut Vec<u8>, s: &str) {
    write_u32(out, s.len() as u32);
    out.extend_from_slice(s.as_bytes());
}

fn export_blob(m: &Model, out: &mut Vec<u8>) {
    out.clear();
    write_u32(out, m.tokens.len() as u32);
    for t in &m.tokens {
        write_str(out, t);
    }
    write_u32(out, m.merge_list.len() as u32);
    for &(a, b) in &m.merge_list {
        write_str(out, &m.tokens[a as usize]);
        write_str(out, &m.tokens[b as usize]);
    }
    write_u32(out, m.added.len() as u32);
    for a in &m.added {
        write_u32(out, a.id);
        write_u32(out, a.special as u32);
        write_str(out, &a.content);
    }
}

fn boxed(model: Model) -> *mut Tok {
    Box::into_raw(Box::new(Tok { model, out_ids: Vec::new(), out_bytes: Vec::new() }))
}

/// Builds a tokenizer from a blob. Returns null on error.
#[no_mangle]
pub extern "C" fn tz_tok_new(ptr: *const u8, len: usize) -> *mut Tok {
    match parse_blob(unsafe { slice(ptr, len) }) {
        Ok(m) => boxed(m),
        Err(e) => {
            set_error(&e);
            std::ptr::null_mut()
        }
    }
}

#[no_mangle]
pub extern "C" fn tz_tok_free(t: *mut Tok) {
    if !t.is_null() {
        unsafe { drop(Box::from_raw(t)) }
    }
}

unsafe fn tok<'a>(t: *mut Tok) -> Option<&'a mut Tok> {
    if t.is_null() {
        set_error("tokenizer handle is null (disposed?)");
        None
    } else {
        Some(&mut *t)
    }
}

#[no_mangle]
pub extern "C" fn tz_vocab_size(t: *mut Tok) -> i32 {
    match unsafe { tok(t) } {
        Some(t) => t.model.vocab_size() as i32,
        None => -1,
    }
}

#[no_mangle]
pub extern "C" fn tz_out_ids_ptr(t: *mut Tok) -> *const u32 {
    match unsafe { tok(t) } {
        Some(t) => t.out_ids.as_ptr(),
        None => std::ptr::null(),
    }
}

#[no_mangle]
pub extern "C" fn tz_out_bytes_ptr(t: *mut Tok) -> *const u8 {
    match unsafe { tok(t) } {
        Some(t) => t.out_bytes.as_ptr(),
        None => std::ptr::null(),
    }
}

/// Encodes UTF-8 text; `bos`/`eos` are ids to add or -1. Returns the id count (ids at `tz_out_ids_ptr`) or -1.
#[no_mangle]
pub extern "C" fn tz_encode(t: *mut Tok, ptr: *const u8, len: usize, bos: i32, eos: i32) -> i32 {
    let t = match unsafe { tok(t) } {
        Some(t) => t,
        None => return -1,
    };
    let text = match std::str::from_utf8(unsafe { slice(ptr, len) }) {
        Ok(s) => s,
        Err(e) => {
            set_error(&format!("input is not valid UTF-8 ({})", e));
            return -1;
        }
    };
    let vs = t.model.vocab_size() as i64;
    for (name, v) in [("bos", bos), ("eos", eos)] {
        if v >= 0 && (v as i64) >= vs {
            set_error(&format!("{} id {} is out of range (vocabulary size {})", name, v, vs));
            return -1;
        }
    }
    t.out_ids.clear();
    if bos >= 0 {
        t.out_ids.push(bos as u32);
    }
    t.model.encode(text, &mut t.out_ids);
    if eos >= 0 {
        t.out_ids.push(eos as u32);
    }
    t.out_ids.len() as i32
}

/// Decodes `n` u32 ids. Returns the UTF-8 byte length (bytes at `tz_out_bytes_ptr`) or -1 for an invalid id.
#[no_mangle]
pub extern "C" fn tz_decode(t: *mut Tok, ids: *const u32, n: usize, skip_special: i32) -> i32 {
    let t = match unsafe { tok(t) } {
        Some(t) => t,
        None => return -1,
    };
    let ids: &[u32] = if n == 0 || ids.is_null() { &[] } else { unsafe { std::slice::from_raw_parts(ids, n) } };
    t.out_bytes.clear();
    let mut out = std::mem::take(&mut t.out_bytes);
    let r = t.model.decode(ids, skip_special != 0, &mut out);
    t.out_bytes = out;
    match r {
        Ok(()) => t.out_bytes.len() as i32,
        Err(e) => {
            set_error(&e);
            -1
        }
    }
}

/// Id of a token string, or -1.
#[no_mangle]
pub extern "C" fn tz_token_to_id(t: *mut Tok, ptr: *const u8, len: usize) -> i32 {
    let t = match unsafe { tok(t) } {
        Some(t) => t,
        None => return -1,
    };
    match std::str::from_utf8(unsafe { slice(ptr, len) }) {
        Ok(s) => t.model.token_to_id(s).map_or(-1, |v| v as i32),
        Err(_) => -1,
    }
}

/// Token string of an id into the output bytes; returns its length or -1 when the id is out of range.
#[no_mangle]
pub extern "C" fn tz_id_to_token(t: *mut Tok, id: u32) -> i32 {
    let t = match unsafe { tok(t) } {
        Some(t) => t,
        None => return -1,
    };
    match t.model.tokens.get(id as usize) {
        Some(s) => {
            t.out_bytes.clear();
            t.out_bytes.extend_from_slice(s.as_bytes());
            t.out_bytes.len() as i32
        }
        None => {
            set_error(&format!("invalid token id {} (vocabulary size {})", id, t.model.vocab_size()));
            -1
        }
    }
}

/// 1 when `id` is a special added token, 0 when not, -1 when out of range.
#[no_mangle]
pub extern "C" fn tz_is_special(t: *mut Tok, id: u32) -> i32 {
    match unsafe { tok(t) } {
        Some(t) => match t.model.is_special.get(id as usize) {
            Some(&s) => s as i32,
            None => -1,
        },
        None => -1,
    }
}

/// Byte value of a byte-fallback token, or -1 when `id` is not one.
#[no_mangle]
pub extern "C" fn tz_byte_of(t: *mut Tok, id: u32) -> i32 {
    match unsafe { tok(t) } {
        Some(t) => t.model.byte_of(id).map_or(-1, |b| b as i32),
        None => -1,
    }
}

/// Writes the blob of the tokenizer into the output bytes; returns its length or -1.
#[no_mangle]
pub extern "C" fn tz_export(t: *mut Tok) -> i32 {
    let t = match unsafe { tok(t) } {
        Some(t) => t,
        None => return -1,
    };
    let mut out = std::mem::take(&mut t.out_bytes);
    export_blob(&t.model, &mut out);
    t.out_bytes = out;
    t.out_bytes.len() as i32
}

/// The pre-tokenizer regex (UTF-8) into a static buffer; returns its length (pointer: `tz_static_ptr`).
#[no_mangle]
pub extern "C" fn tz_split_regex() -> i32 {
    let s = pretokenize::split_regex();
    unsafe {
        STATIC_OUT.clear();
        STATIC_OUT.extend_from_slice(s.as_bytes());
        STATIC_OUT.len() as i32
    }
}

#[no_mangle]
pub extern "C" fn tz_static_ptr() -> *const u8 {
    unsafe { STATIC_OUT.as_ptr() }
}

/// Pre-tokenizer class of a code point: 0 other, 1 CJK, 2 letter, 3 digit, 4 whitespace, 5 punctuation.
#[no_mangle]
pub extern "C" fn tz_class_of(cp: u32) -> u32 {
    pretokenize::class_of(cp) as u32
}

#[no_mangle]
pub extern "C" fn tz_trainer_new(max_pieces: u32) -> *mut Trainer {
    Box::into_raw(Box::new(Trainer::new(max_pieces as usize)))
}

#[no_mangle]
pub extern "C" fn tz_trainer_free(t: *mut Trainer) {
    if !t.is_null() {
        unsafe { drop(Box::from_raw(t)) }
    }
}

/// Counts the pieces of a UTF-8 text. Returns the number of distinct pieces held, or -1.
#[no_mangle]
pub extern "C" fn tz_trainer_feed(t: *mut Trainer, ptr: *const u8, len: usize) -> i32 {
    if t.is_null() {
        set_error("trainer handle is null");
        return -1;
    }
    let t = unsafe { &mut *t };
    match std::str::from_utf8(unsafe { slice(ptr, len) }) {
        Ok(s) => {
            t.feed(s);
            t.distinct_pieces().min(i32::MAX as usize) as i32
        }
        Err(e) => {
            set_error(&format!("training text is not valid UTF-8 ({})", e));
            -1
        }
    }
}

/// Pieces dropped so far to bound memory.
#[no_mangle]
pub extern "C" fn tz_trainer_pruned(t: *mut Trainer) -> f64 {
    if t.is_null() {
        return 0.0;
    }
    unsafe { (*t).pruned_pieces as f64 }
}

/// Learns merges; returns a new tokenizer handle or null on error.
#[no_mangle]
pub extern "C" fn tz_trainer_finish(t: *mut Trainer, vocab_size: u32, min_frequency: u32, coverage: f64) -> *mut Tok {
    if t.is_null() {
        set_error("trainer handle is null");
        return std::ptr::null_mut();
    }
    let t = unsafe { &mut *t };
    let opts = TrainOptions {
        vocab_size: vocab_size as usize,
        min_frequency: min_frequency as u64,
        character_coverage: coverage,
    };
    match t.finish(&opts) {
        Ok(m) => boxed(m),
        Err(e) => {
            set_error(&e);
            std::ptr::null_mut()
        }
    }
}
