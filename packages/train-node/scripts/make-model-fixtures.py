#!/usr/bin/env python3
"""Golden fixtures for the tfjs Llama in src/model: logits, loss and per-parameter gradients from
Hugging Face `transformers.LlamaForCausalLM` (PyTorch, float32, eager attention) on fixed random weights.

Run once, commit the output (a few hundred KB):
    python3 scripts/make-model-fixtures.py            # writes test/fixtures/model/<case>/...

Each case folder holds config.json (HF LlamaConfig), model.safetensors (HF names; no lm_head when tied),
batch.json ({"tokens": [[...T+1 ids...] x B]}: inputs are tokens[:, :-1], targets tokens[:, 1:]) and
golden.safetensors (`logits` [B, T, vocab], `loss` [1] mean cross-entropy in nats, `grad.<name>` per parameter;
for a tied head the embedding gradient includes the head's contribution).
Needs torch, transformers and safetensors.
"""
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "model")

CASES = {
    # grouped-query attention (4 query heads share 2 kv heads), tied head
    "gqa-tied": dict(vocab_size=67, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                     num_attention_heads=4, num_key_value_heads=2, rope_theta=10000.0, tie_word_embeddings=True,
                     batch=2, seq=9),
    # plain multi-head attention, untied head, another theta
    "mha-untied": dict(vocab_size=50, hidden_size=24, intermediate_size=40, num_hidden_layers=1,
                       num_attention_heads=3, num_key_value_heads=3, rope_theta=500.0, tie_word_embeddings=False,
                       batch=3, seq=7),
}


def make(name, spec, seed):
    spec = dict(spec)
    batch, seq = spec.pop("batch"), spec.pop("seq")
    torch.manual_seed(seed)
    cfg = LlamaConfig(**spec, rms_norm_eps=1e-5, max_position_embeddings=64, head_dim=spec["hidden_size"] // spec["num_attention_heads"],
                      attention_bias=False, mlp_bias=False, bos_token_id=1, eos_token_id=2, hidden_act="silu",
                      attn_implementation="eager")
    model = LlamaForCausalLM(cfg).float()
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if p.dim() == 1:
                p.copy_(1.0 + 0.2 * torch.randn_like(p))  # non-trivial norm weights
            else:
                p.copy_(0.15 * torch.randn_like(p))
    tokens = torch.randint(0, spec["vocab_size"], (batch, seq + 1))
    inp, tgt = tokens[:, :-1], tokens[:, 1:]
    logits = model(input_ids=inp).logits
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1))
    loss.backward()

    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    sd = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    grads = {}
    for pname, p in model.named_parameters():
        grads["grad." + pname] = p.grad.detach().contiguous()
    if cfg.tie_word_embeddings:
        sd.pop("lm_head.weight", None)
        grads.pop("grad.lm_head.weight", None)
    save_file(sd, os.path.join(d, "model.safetensors"))
    golden = {"logits": logits.detach().contiguous(), "loss": loss.detach().reshape(1)}
    golden.update(grads)
    save_file(golden, os.path.join(d, "golden.safetensors"))
    with open(os.path.join(d, "config.json"), "w") as f:
        c = cfg.to_dict()
        json.dump({k: c[k] for k in ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                                      "num_attention_heads", "num_key_value_heads", "head_dim", "rms_norm_eps",
                                      "rope_theta", "max_position_embeddings", "tie_word_embeddings",
                                      "bos_token_id", "eos_token_id"] if k in c} | {"rope_theta": spec["rope_theta"]},
                  f, indent=2)
    with open(os.path.join(d, "batch.json"), "w") as f:
        json.dump({"tokens": tokens.tolist()}, f)
    print(name, "loss", loss.item(), "params", sum(p.numel() for p in model.parameters()))


def make_adamw():
    """torch.optim.AdamW on two parameters (one decayed, one not), 4 steps with a changing lr -> adamw.json."""
    torch.manual_seed(99)
    a = torch.randn(7, dtype=torch.float32, requires_grad=True)
    b = torch.randn(5, dtype=torch.float32, requires_grad=True)
    init = [a.detach().clone().tolist(), b.detach().clone().tolist()]
    opt = torch.optim.AdamW([{"params": [a], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}],
                            lr=1e-2, betas=(0.9, 0.95), eps=1e-8)
    steps = []
    for k, lr in enumerate([1e-2, 5e-2, 3e-2, 1e-3]):
        for g in opt.param_groups:
            g["lr"] = lr
        ga, gb = torch.randn(7), torch.randn(5)
        a.grad, b.grad = ga.clone(), gb.clone()
        opt.step()
        steps.append({"lr": lr, "grads": [ga.tolist(), gb.tolist()], "params": [a.detach().tolist(), b.detach().tolist()]})
    with open(os.path.join(OUT, "adamw.json"), "w") as f:
        json.dump({"betas": [0.9, 0.95], "eps": 1e-8, "weight_decay": [0.1, 0.0], "init": init, "steps": steps}, f)


if __name__ == "__main__":
    for i, (n, s) in enumerate(CASES.items()):
        make(n, s, 1234 + i)
    make_adamw()
