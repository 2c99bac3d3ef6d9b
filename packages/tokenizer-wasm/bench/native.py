#!/usr/bin/env python3
"""Reference measurements for bench/index.mjs (run by it; prints one JSON line).

  native.py encode TOKENIZER_JSON TEXTS_JSON REPEATS
      Hugging Face `tokenizers` (native Rust, PyPI), single thread: Tokenizer.encode(text, add_special_tokens=False)
      in a loop (not encode_batch). Reports the best time of REPEATS passes, the first pass (cold word cache), the
      id count and a checksum.
      Run with RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false.
  native.py spm CORPUS_TXT VOCAB_SIZE MODEL_PREFIX
      SentencePiece BPE trainer (model_type=bpe, byte_fallback=True, character_coverage=0.9995, identity
      normalization, no dummy prefix, num_threads=1) on a text file with one paragraph per line; reports training
      seconds and tokens per character on the same lines.
"""
import json
import sys
import time


def encode(tok_path, texts_path, repeats):
    from tokenizers import Tokenizer, __version__

    tok = Tokenizer.from_file(tok_path)
    with open(texts_path, encoding="utf-8") as f:
        texts = json.load(f)
    best = float("inf")
    first = None
    n = 0
    checksum = 0
    for r in range(repeats):
        t0 = time.perf_counter()
        encs = [tok.encode(s, add_special_tokens=False) for s in texts]
        dt = time.perf_counter() - t0
        best = min(best, dt)
        if r == 0:
            first = dt
            for e in encs:
                n += len(e.ids)
                for i in e.ids:
                    checksum = (checksum * 31 + i) % 1000000007
    print(json.dumps({"seconds": best, "first_pass_seconds": first, "ids": n, "checksum": checksum, "version": __version__}))


def spm(corpus, vocab_size, prefix):
    import sentencepiece as sp

    t0 = time.perf_counter()
    sp.SentencePieceTrainer.train(
        input=corpus,
        model_prefix=prefix,
        vocab_size=int(vocab_size),
        model_type="bpe",
        byte_fallback=True,
        character_coverage=0.9995,
        normalization_rule_name="identity",
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        max_sentence_length=1 << 20,
        num_threads=1,
        minloglevel=2,
    )
    secs = time.perf_counter() - t0
    proc = sp.SentencePieceProcessor(model_file=prefix + ".model")
    tokens = 0
    chars = 0
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            tokens += len(proc.encode(line))
            chars += len(line)
    print(json.dumps({"seconds": secs, "tokens": tokens, "chars": chars, "version": sp.__version__}))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "encode":
        encode(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif cmd == "spm":
        spm(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown command {cmd}")
