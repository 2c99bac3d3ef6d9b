#!/usr/bin/env python3
"""Golden ids from Hugging Face `tokenizers` (the native Rust library, PyPI) for test/fixtures/tokenizer.json.

Writes test/fixtures/parity.json:
  texts:      [{corpus, text, ids, decoded}]  ids = Tokenizer.encode(text, add_special_tokens=False).ids,
              decoded = Tokenizer.decode(ids, skip_special_tokens=False)
  class_runs: [[first_code_point, last_code_point, class]] of the string of all Unicode scalar values in order,
              as split by the pre-tokenizer (Oniguruma); class 0 other, 1 CJK, 2 letter, 3 digit, 4 whitespace,
              5 punctuation, found by which reference character each run joins with.

Run once after make-fixture-tokenizer.mjs:  python3 scripts/make-parity-fixtures.py
Texts come from every corpus in ../shared/data (first records, then evenly spaced ones, cut to 1,500 characters)
plus edge cases: empty string, lone whitespace, newlines, tabs, emoji, CJK Extension B, special-token strings.
"""
import json
import os
import sys

import tokenizers
from tokenizers import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)
DATA = os.environ.get("TINYZH_SHARED_DATA", os.path.normpath(os.path.join(PKG, "..", "..", "..", "shared", "data")))


def jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def corpora():
    zh = jsonl(f"{DATA}/tinystories-zh/sample.jsonl")
    syn = jsonl(f"{DATA}/synthetic-zh/sample-2k.jsonl")
    return {
        "tinystories-zh": [r["story_zh"] for r in zh],
        "tinystories-zh-en": [s for r in zh for s in (r.get("story"), r.get("summary")) if isinstance(s, str)],
        "storybooks-zh": [r["text"] for r in jsonl(f"{DATA}/storybooks-zh/cc-by.jsonl")],
        "tinystories-en": [r["text"] for r in jsonl(f"{DATA}/tinystories-en/sample.jsonl")],
        "synthetic-zh": [r["story_zh"] for r in syn],
        "synthetic-zh-summary": [r["summary_zh"] for r in syn if r.get("summary_zh")],
    }


EDGE = [
    "",
    " ",
    "  ",
    "\n",
    "\n\n",
    "\t",
    "\r\n",
    " \t\n\u3000\u00a0",
    "😀",
    "😀👍🏽👨‍👩‍👧🍎",
    "𠀀𪚥𠮷",
    "他说𠀀𪚥很少见。",
    "小明有3个apple🍎！",
    "<s>你好</s><pad><unk><|reserved_3|><|reserved_7|>",
    "<0x41><0xE4>",
    "ＡＢＣ１２３，。！",
    "これは日本語です。한국어 텍스트",
    "مرحبا بالعالم",
    "Cafe\u0301 naïve façade",
    "zero\u200dwidth\u2028line\u2029para\u0085next",
    "“你好，”她说：“我们去公园吧……”——好的！",
    "1234567890 3.14 1,000,000",
    "a\u0000b\u0007c\u007f",
    "\ufeffBOM text \ufffd",
    "第1章 小猫咪的故事（上）【完】《书名》",
    "<<s>>",
    "</s</s>>",
    "<|reserved_0|<|reserved_1|>",
    "<unk><unk>x<pad>",
    "\U0001F600\U000E0001\U0010FFFD\U00030000\U000323AF\U00031350",
    "\u00ad\u034f\u061c\u2060\u2066\ufe0f",
]


def pick(texts, n=12, max_chars=1500):
    if len(texts) <= n:
        idx = list(range(len(texts)))
    else:
        idx = list(range(4)) + [4 + (i * (len(texts) - 4)) // (n - 4) for i in range(n - 4)]
    return [texts[i][:max_chars] for i in sorted(set(idx))]


def class_runs(tok):
    pre = tok.pre_tokenizer
    cps = [c for c in range(0x110000) if not (0xD800 <= c <= 0xDFFF)]
    s = "".join(map(chr, cps))
    pieces = pre.pre_tokenize_str(s)
    refs = [(1, "一"), (2, "a"), (3, "0"), (4, " "), (5, ","), (0, "😀")]
    runs = []
    for piece, (a, b) in pieces:
        c = piece[0]
        cls = None
        for k, r in refs:
            if len(pre.pre_tokenize_str(c + r)) == 1:
                cls = k
                break
        if cls is None:
            sys.exit(f"U+{ord(c):04X} joins with no reference character")
        runs.append([ord(piece[0]), ord(piece[-1]), cls])
    # Merge adjacent runs of one class (e.g. split by nothing) for a compact file.
    return runs


def main():
    tok = Tokenizer.from_file(os.path.join(PKG, "test", "fixtures", "tokenizer.json"))
    items = []
    for name, texts in corpora().items():
        for t in pick(texts):
            items.append({"corpus": name, "text": t})
    for t in EDGE:
        items.append({"corpus": "edge", "text": t})
    for it in items:
        enc = tok.encode(it["text"], add_special_tokens=False)
        it["ids"] = enc.ids
        it["decoded"] = tok.decode(enc.ids, skip_special_tokens=False)
    out = {
        "generator": f"scripts/make-parity-fixtures.py with tokenizers {tokenizers.__version__}",
        "tokenizer": "test/fixtures/tokenizer.json",
        "texts": items,
        "class_runs": class_runs(tok),
    }
    path = os.path.join(PKG, "test", "fixtures", "parity.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)
    print(f"wrote {path}: {len(items)} texts, {sum(len(i['ids']) for i in items)} ids, {len(out['class_runs'])} class runs", file=sys.stderr)


if __name__ == "__main__":
    main()
