#!/usr/bin/env python3
"""Golden safetensors fixtures for @tinyzh/core, made with the reference Python `safetensors` package.

Run from packages/core (after `npx tsup`):  python3 scripts/make-fixtures.py

1. Writes test/fixtures/values.json (source values) and test/fixtures/python-written.safetensors (written by the
   Rust-backed `safetensors.serialize`, every dtype we support, F16 rounded by numpy, BF16 by ml_dtypes).
2. Runs scripts/write-ts-fixture.mjs, which writes test/fixtures/ts-written.safetensors with OUR writer from
   values.json, then loads that file here with `safetensors.deserialize` and `safetensors.numpy.load` (and
   `safetensors.torch.load` when torch imports) and checks every tensor against numpy's own conversions.
   Prints "PYTHON LOADS TS-WRITTEN FILE: OK" on success, exits non-zero otherwise.
3. With torch + transformers: loads our config.json of every preset into LlamaForCausalLM (meta device) and
   records its state_dict names/shapes, parameter count and the config.json transformers saves back
   (test/fixtures/hf-llama.json).
Needs: safetensors, numpy, ml_dtypes (torch and transformers optional).
"""
import json
import warnings
import os
import subprocess
import sys

import ml_dtypes
import numpy as np
import safetensors

warnings.filterwarnings("ignore", "overflow encountered in cast")
HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "test", "fixtures")
os.makedirs(FIX, exist_ok=True)

rng = np.random.default_rng(20261129)
# float32 sources for the F16/BF16 conversions: random magnitudes across the ranges, plus exact ties and edge cases
src = (rng.standard_normal(96) * np.exp2(rng.integers(-26, 17, 96))).astype(np.float32)
edge = np.array(
    [0.0, -0.0, 1.0, -2.0, 1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8, 1 + 3 * 2**-8, 65504, 65519, 65520, 1e6, 2**-24,
     2**-25, 3 * 2**-25, 2**-14 - 2**-25, -(2**-26), np.pi, 1 / 3, 3.0e38, np.inf, -np.inf],
    dtype=np.float32,
)
src = np.concatenate([edge, src])

tensors = {
    "f32": np.array([[0.0, -0.0, 1 / 3, -2.5], [1e-40, 3.4e38, np.inf, -np.inf]], dtype=np.float32),
    "f16": src.astype(np.float16),  # numpy: round to nearest even, overflow to inf
    "bf16": src.astype(ml_dtypes.bfloat16),
    "i8": np.array([-128, -1, 0, 127], dtype=np.int8),
    "u8": np.array([0, 255, 7], dtype=np.uint8),
    "i32": np.array([-(2**31), 2**31 - 1, 0], dtype=np.int32),
    "i64": np.array([-(2**63), 2**63 - 1, 1], dtype=np.int64),
    "scalar": np.array(42.0, dtype=np.float32),
    "empty": np.zeros((0, 3), dtype=np.float32),
    "model.layers.0.self_attn.q_proj.weight": rng.standard_normal((8, 4)).astype(np.float32),
}
metadata = {"format": "np", "writer": f"python safetensors {safetensors.__version__}"}

keep = []
specs = {}
for name, arr in tensors.items():
    assert arr.flags.c_contiguous  # (np.ascontiguousarray would turn the 0-d scalar into shape [1])
    keep.append(arr)
    specs[name] = safetensors.TensorSpec(dtype=arr.dtype.name, shape=arr.shape, data_ptr=arr.ctypes.data, data_len=arr.nbytes)
data = bytes(safetensors.serialize(specs, metadata=metadata))
with open(os.path.join(FIX, "python-written.safetensors"), "wb") as f:
    f.write(data)

values = {
    "about": "made by scripts/make-fixtures.py; float values are exact float32 values as JSON numbers",
    "f16_bf16_source": [float(x) if np.isfinite(x) else str(x) for x in src],
    "q_proj": [float(x) for x in tensors["model.layers.0.self_attn.q_proj.weight"].ravel()],
    "expected": {
        name: {"dtype": dt, "shape": list(arr.shape), "hex": arr.tobytes().hex()}
        for (name, arr), dt in zip(tensors.items(), ["F32", "F16", "BF16", "I8", "U8", "I32", "I64", "F32", "F32", "F32"])
    },
    "metadata": metadata,
}
with open(os.path.join(FIX, "values.json"), "w") as f:
    json.dump(values, f, indent=1)
print(f"wrote python-written.safetensors ({len(data)} bytes) and values.json")

# --- 2. our writer's output, read by Python ---------------------------------------------------------------------
subprocess.run(["node", os.path.join(HERE, "write-ts-fixture.mjs")], check=True)
with open(os.path.join(FIX, "ts-written.safetensors"), "rb") as f:
    ts = f.read()
n = int.from_bytes(ts[:8], "little")
assert (8 + n) % 8 == 0, "header not 8-byte aligned"
loaded = dict(safetensors.deserialize(ts))
ok = True
for name, arr in tensors.items():
    got = loaded.get(name)
    if got is None:
        print(f"MISSING {name}")
        ok = False
        continue
    want = arr.tobytes()
    if bytes(got["data"]) != want or list(got["shape"]) != list(arr.shape):
        print(f"MISMATCH {name}: dtype {got['dtype']} shape {got['shape']}")
        ok = False
with safetensors.safe_open(os.path.join(FIX, "ts-written.safetensors"), framework="np") as f:  # numpy: no BF16
    for name in tensors:
        if name == "bf16":
            continue
        if not np.array_equal(f.get_tensor(name), tensors[name], equal_nan=True):
            print(f"NUMPY MISMATCH {name}")
            ok = False
    if f.metadata() != metadata:
        print(f"METADATA MISMATCH {f.metadata()}")
        ok = False
try:
    import torch
    import safetensors.torch as stt
except Exception as e:  # torch is optional here
    torch = None
    print(f"torch unavailable, skipped the torch/transformers checks: {type(e).__name__}: {str(e)[:120]}")

if torch is not None:
    t = stt.load(ts)
    torch_ok = True
    for name, arr in tensors.items():
        got = t[name]
        if name == "bf16":
            same = np.array_equal(got.view(torch.int16).numpy(), arr.view(np.int16))
        else:
            same = got.shape == torch.Size(arr.shape) and np.array_equal(got.numpy(), arr, equal_nan=True)
        if not same:
            print(f"TORCH MISMATCH {name}")
            torch_ok = False
    print(f"torch {torch.__version__}: safetensors.torch.load of ts-written: {'OK' if torch_ok else 'MISMATCH'}")
    ok = ok and torch_ok

    # --- 3. our config.json files load in transformers' LlamaForCausalLM ----------------------------------------
    import tempfile

    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM

    with open(os.path.join(FIX, "ts-configs.json")) as f:
        ts_configs = json.load(f)
    hf = {"transformers_version": transformers.__version__, "presets": {}}
    for name, cfg_json in ts_configs.items():
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "config.json"), "w") as f:
                json.dump(cfg_json, f)
            cfg = LlamaConfig.from_pretrained(d)
            with torch.device("meta"):
                model = LlamaForCausalLM(cfg)
            specs = [[k, list(v.shape)] for k, v in model.state_dict().items()]
            nparams = sum(p.numel() for p in model.parameters())
            out = os.path.join(d, "saved")
            cfg.save_pretrained(out)
            with open(os.path.join(out, "config.json")) as f:
                saved = json.load(f)
        hf["presets"][name] = {"num_parameters": nparams, "state_dict": specs, "saved_config": saved}
        print(f"transformers {transformers.__version__}: LlamaForCausalLM from our {name} config.json: {nparams:,} parameters")
    with open(os.path.join(FIX, "hf-llama.json"), "w") as f:
        json.dump(hf, f, indent=1)

print("PYTHON LOADS TS-WRITTEN FILE: " + ("OK" if ok else "FAILED"))
sys.exit(0 if ok else 1)
