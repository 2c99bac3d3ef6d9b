#!/usr/bin/env python3
"""Writes the golden fixtures of the export tests (run once; the outputs are committed).

    python3 packages/train-node/scripts/make-export-fixtures.py [--reference auto|transformers|numpy]

Outputs, under packages/train-node/test/fixtures/export/:
  tiny/            a checkpoint dir: config.json, model.safetensors (F32, HF names), tokenizer.json, golden.json
                   (GQA 4 query heads / 2 KV heads, tied embeddings, rope_theta 10000)
  llama2c-hf/      a Hugging Face folder shaped like llama2.c's `export.py --version -1` (HF) output: untied
                   `lm_head.weight`, F16 tensors, no `head_dim` in config.json, `torch_dtype` float16, extra
                   `rotary_emb.inv_freq` buffers as old transformers saved them; plus golden.json

golden.json holds `input_ids` and the float32 logits `[seq, vocab]` of a full forward pass over them.

Reference: transformers' LlamaForCausalLM (eager attention, float32) when torch imports; otherwise a NumPy
re-implementation of the same forward pass (transformers `modeling_llama.py`: RMSNorm in float32, rotate-half RoPE
with `inv_freq = 1 / theta^(arange(0, D, 2) / D)`, `repeat_kv`, softmax attention scaled by 1/sqrt(D), SwiGLU MLP).
golden.json records which one was used.
"""
import argparse
import json
import os

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "export")

CHARS = "从前有一个小女孩她叫莉莉喜欢在花园里玩天看到只猫很高兴说你好我们朋友吗。，！？“”的了是和"


MERGES = [("从", "前"), ("小", "女"), ("小女", "孩"), ("朋", "友"), ("花", "园")]
# The tinyzh pre-tokenizer (docs/formats.md "Tokenizer"), taken from the tokenizer package's fixture so the fixture
# tokenizer is one @tinyzh/tokenizer accepts.
TINYZH_TOKENIZER = os.path.join(HERE, "..", "..", "tokenizer-wasm", "test", "fixtures", "tokenizer.json")


def make_tokenizer_json(vocab_size):
    """tokenizer.json text of a byte-fallback BPE with the fixed ids, pre-tokenizer, decoder and (absent)
    post-processor of docs/formats.md: characters of CHARS plus a few merges."""
    from tokenizers import Tokenizer, decoders
    from tokenizers.models import BPE

    specials = ["<unk>", "<s>", "</s>", "<pad>"] + [f"<|reserved_{i}|>" for i in range(8)]
    vocab = {}
    for t in specials:
        vocab[t] = len(vocab)
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for ch in CHARS:
        if ch not in vocab:
            vocab[ch] = len(vocab)
    for a, b in MERGES:
        vocab[a + b] = len(vocab)
    assert len(vocab) <= vocab_size, len(vocab)
    tok = Tokenizer(BPE(vocab=vocab, merges=MERGES, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.add_special_tokens(specials)
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), decoders.Fuse()])
    j = json.loads(tok.to_str())
    with open(TINYZH_TOKENIZER, encoding="utf-8") as f:
        j["pre_tokenizer"] = json.load(f)["pre_tokenizer"]
    j["post_processor"] = None
    text = json.dumps(j, ensure_ascii=False, indent=2)
    check = Tokenizer.from_str(text)
    sample = "从前有一个小女孩，她喜欢在花园里玩。Lily 😀"
    assert check.decode(check.encode(sample).ids, skip_special_tokens=False) == sample
    return text


def random_weights(cfg, rng, std=0.15):
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    nH, nKV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = H // nH
    w = {"model.embed_tokens.weight": rng.normal(0, 1.0, (V, H))}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        w[f"{p}.input_layernorm.weight"] = 1 + rng.normal(0, 0.1, (H,))
        w[f"{p}.self_attn.q_proj.weight"] = rng.normal(0, std, (nH * D, H))
        w[f"{p}.self_attn.k_proj.weight"] = rng.normal(0, std, (nKV * D, H))
        w[f"{p}.self_attn.v_proj.weight"] = rng.normal(0, std, (nKV * D, H))
        w[f"{p}.self_attn.o_proj.weight"] = rng.normal(0, std, (H, nH * D))
        w[f"{p}.post_attention_layernorm.weight"] = 1 + rng.normal(0, 0.1, (H,))
        w[f"{p}.mlp.gate_proj.weight"] = rng.normal(0, std, (I, H))
        w[f"{p}.mlp.up_proj.weight"] = rng.normal(0, std, (I, H))
        w[f"{p}.mlp.down_proj.weight"] = rng.normal(0, std, (H, I))
    w["model.norm.weight"] = 1 + rng.normal(0, 0.1, (H,))
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = rng.normal(0, 0.3, (V, H))
    return {k: v.astype(np.float32) for k, v in w.items()}


# ---------------------------------------------------------------- NumPy reference of LlamaForCausalLM.forward
def rms_norm(x, w, eps):
    var = np.mean(x * x, axis=-1, keepdims=True, dtype=np.float32)
    return (w * (x / np.sqrt(var + np.float32(eps)))).astype(np.float32)


def numpy_forward(cfg, w, ids):
    H, nH, nKV = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or H // nH
    eps, theta = cfg["rms_norm_eps"], cfg["rope_theta"]
    S = len(ids)
    inv_freq = (1.0 / (np.float32(theta) ** (np.arange(0, D, 2, dtype=np.float32) / np.float32(D)))).astype(np.float32)
    freqs = np.outer(np.arange(S, dtype=np.float32), inv_freq).astype(np.float32)
    emb = np.concatenate([freqs, freqs], axis=-1)
    cos, sin = np.cos(emb).astype(np.float32), np.sin(emb).astype(np.float32)

    def rope(x):  # x [heads, S, D]
        x1, x2 = x[..., : D // 2], x[..., D // 2 :]
        return x * cos + np.concatenate([-x2, x1], axis=-1) * sin

    h = w["model.embed_tokens.weight"][np.array(ids)]
    causal = np.tril(np.ones((S, S), dtype=bool))
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}"
        x = rms_norm(h, w[f"{p}.input_layernorm.weight"], eps)
        q = (x @ w[f"{p}.self_attn.q_proj.weight"].T).reshape(S, nH, D).transpose(1, 0, 2)
        k = (x @ w[f"{p}.self_attn.k_proj.weight"].T).reshape(S, nKV, D).transpose(1, 0, 2)
        v = (x @ w[f"{p}.self_attn.v_proj.weight"].T).reshape(S, nKV, D).transpose(1, 0, 2)
        q, k = rope(q), rope(k)
        k, v = np.repeat(k, nH // nKV, axis=0), np.repeat(v, nH // nKV, axis=0)
        scores = (q @ k.transpose(0, 2, 1)) * np.float32(D ** -0.5)
        scores = np.where(causal, scores, np.float32(np.finfo(np.float32).min))
        scores = scores - scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs = probs / probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(1, 0, 2).reshape(S, nH * D)
        h = h + ctx @ w[f"{p}.self_attn.o_proj.weight"].T
        x = rms_norm(h, w[f"{p}.post_attention_layernorm.weight"], eps)
        g = x @ w[f"{p}.mlp.gate_proj.weight"].T
        u = x @ w[f"{p}.mlp.up_proj.weight"].T
        h = h + ((g / (1 + np.exp(-g))) * u) @ w[f"{p}.mlp.down_proj.weight"].T
    h = rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return (h @ head.T).astype(np.float32)


def transformers_forward(cfg, w, ids):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    conf = LlamaConfig(**{k: v for k, v in cfg.items() if k not in ("architectures", "model_type", "torch_dtype")})
    conf._attn_implementation = "eager"
    model = LlamaForCausalLM(conf).eval()
    state = {k: torch.from_numpy(v.astype(np.float32)) for k, v in w.items()}
    if cfg["tie_word_embeddings"]:
        state["lm_head.weight"] = state["model.embed_tokens.weight"]
    model.load_state_dict(state, strict=False)
    with torch.no_grad():
        return model(torch.tensor([ids])).logits[0].float().numpy()


def pick_reference(choice):
    if choice in ("auto", "transformers"):
        try:
            import torch  # noqa: F401
            import transformers

            return "transformers " + transformers.__version__, transformers_forward
        except Exception as err:  # torch wheels without their CUDA libraries fail here
            if choice == "transformers":
                raise
            print(f"torch unavailable ({type(err).__name__}); using the NumPy reference")
    return "numpy re-implementation of transformers LlamaForCausalLM", numpy_forward


def write_case(name, cfg, weights, ids, reference, forward, dtype=np.float32, extra=None, tokenizer_json=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    stored = {k: v.astype(dtype) for k, v in weights.items()}
    # The golden logits come from exactly the stored values (after any F16 rounding).
    logits = forward(cfg, {k: v.astype(np.float32) for k, v in stored.items()}, ids)
    if extra:
        stored.update(extra)
    save_file(stored, os.path.join(d, "model.safetensors"), metadata={"format": "pt"})
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    if tokenizer_json is not None:
        with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
            f.write(tokenizer_json)
    golden = {
        "reference": reference,
        "input_ids": ids,
        "logits_shape": list(logits.shape),
        "logits": [float(x) for x in logits.reshape(-1)],
    }
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
    print(f"{name}: {len(weights)} tensors, logits {logits.shape}, max |logit| {np.abs(logits).max():.3f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", choices=["auto", "transformers", "numpy"], default="auto")
    args = ap.parse_args()
    reference, forward = pick_reference(args.reference)
    rng = np.random.default_rng(20261129)

    tiny = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": 320,
        "hidden_size": 64,
        "intermediate_size": 160,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "head_dim": 16,
        "hidden_act": "silu",
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "max_position_embeddings": 128,
        "tie_word_embeddings": True,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "pad_token_id": 3,
        "torch_dtype": "float32",
    }
    tok = make_tokenizer_json(tiny["vocab_size"])
    ids = [1] + [int(x) for x in rng.integers(12, tiny["vocab_size"], 26)]  # <s> + 26 tokens = prompt 7 + 20 steps
    write_case("tiny", tiny, random_weights(tiny, rng), ids, reference, forward, tokenizer_json=tok)

    l2c = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": 300,
        "hidden_size": 48,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 6,
        "num_key_value_heads": 6,
        "hidden_act": "silu",
        "rms_norm_eps": 1e-5,
        "rope_theta": 10000.0,
        "max_position_embeddings": 64,
        "tie_word_embeddings": False,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "torch_dtype": "float16",
        "transformers_version": "4.33.0",
    }
    w = random_weights(l2c, rng)
    D = l2c["hidden_size"] // l2c["num_attention_heads"]
    inv = (1.0 / (10000.0 ** (np.arange(0, D, 2, dtype=np.float32) / D))).astype(np.float16)
    extra = {f"model.layers.{i}.self_attn.rotary_emb.inv_freq": inv for i in range(l2c["num_hidden_layers"])}
    ids2 = [1] + [int(x) for x in rng.integers(12, l2c["vocab_size"], 15)]
    write_case("llama2c-hf", l2c, w, ids2, reference, forward, dtype=np.float16, extra=extra)


if __name__ == "__main__":
    main()
