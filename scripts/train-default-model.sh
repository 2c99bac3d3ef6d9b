#!/usr/bin/env bash
# Reproduces the default model `tinyzh-stories-tiny` (packages/runtime-web/models/tinyzh-stories-tiny/)
# with the project's own pipeline, on CPU. Needs ../shared (the synthetic generator and the CC-BY / TinyStories
# samples). Usage: bash scripts/train-default-model.sh [WORK_DIR]   (default /tmp/tinyzh-default)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared="$root/../shared"
work=${1:-/tmp/tinyzh-default}
cli="node $root/packages/train-node/dist/cli.js"
mkdir -p "$work"
npm run build --prefix "$root" >/dev/null

# 1. corpus: 200,000 synthetic stories (seed 1) + CC-BY picture books + real TinyStories-zh samples
[ -s "$work/synth-200k.jsonl" ] || python3 "$shared/tools/synth_stories_zh.py" --count 200000 --seed 1 --out "$work/synth-200k.jsonl"

# 2. clean, deduplicate, split, train a 4096-token BPE tokenizer, tokenize
$cli prepare --input "$work/synth-200k.jsonl" --input "$shared/data/storybooks-zh/cc-by.jsonl" \
  --input "$shared/data/tinystories-zh/sample.jsonl" --vocab-size 4096 --out "$work/prepared"

# 3. pretrain the `tiny` preset (≈1.26M parameters) on CPU (wasm backend, one gradient thread per core)
$cli train --data "$work/prepared" --preset tiny --out "$work/run" --max-steps 900 --batch-size 8 --block-size 256 \
  --lr 2e-3 --min-lr 2e-4 --warmup 30 --eval-every 100 --eval-tokens 8192 --log-every 10 --seed 1

# 4. export the best checkpoint: safetensors + ONNX (fp32, fp16, int8) + tokenizer + manifest
$cli export --checkpoint "$work/run" --out "$work/tinyzh-stories-tiny" --onnx fp32,fp16,int8
echo "model folder: $work/tinyzh-stories-tiny"
