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

# a re-run trains and exports again from scratch (train refuses an --out that holds a run, export an existing --out)
rm -rf "$work/run1" "$work/run" "$work/tinyzh-stories-tiny"

# 3. pretrain the `tiny` preset (1,262,720 parameters) on CPU: wasm backend, 2 gradient threads, in two phases
#    (phase 1: 900 steps of 8 x 256 tokens; phase 2: 700 steps of 16 x 256 tokens from phase 1's weights)
$cli train --data "$work/prepared" --preset tiny --out "$work/run1" --max-steps 900 --batch-size 8 --block-size 256 \
  --lr 2e-3 --min-lr 2e-4 --warmup 30 --eval-every 100 --eval-tokens 8192 --log-every 10 --seed 1 --workers 2
$cli train --data "$work/prepared" --init "$work/run1" --out "$work/run" --max-steps 700 --batch-size 16 --block-size 256 \
  --lr 1e-3 --min-lr 1e-4 --warmup 20 --eval-every 100 --eval-tokens 8192 --log-every 10 --seed 2 --workers 2

# 4. export the best checkpoint: safetensors + ONNX (fp32, fp16, int8, q4) + tokenizer + manifest
$cli export --checkpoint "$work/run" --out "$work/tinyzh-stories-tiny"

# 5. attributions of the CC-BY picture books the model was trained on (kept next to the model card)
python3 - "$shared/data/storybooks-zh/cc-by.jsonl" > "$work/tinyzh-stories-tiny/ATTRIBUTION.md" <<'PY'
import json, sys
print("# Attribution: CC-BY picture books in the training data\n")
print("The default model was trained partly on these Simplified-Chinese translations of African Storybook picture")
print("books (via Global Storybooks). Each is licensed as stated; the model and its outputs keep this attribution.\n")
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    print(f"- 《{d['title']}》 — {d['attribution']} — {d['license']}")
PY

# 6. story openings for `npm run story` without a prompt, then the manifest over every file (the model card,
#    README.md, is written by hand from the run's metrics and copied in before this step)
cat > "$work/tinyzh-stories-tiny/prompts.json" <<'JSON'
["从前，有一只小兔子", "森林里住着一只小熊", "一天早上，小明在公园里", "在一个安静的小村子里", "星期六的早上，妈妈"]
JSON
node "$root/scripts/refresh-manifest.mjs" "$work/tinyzh-stories-tiny"
echo "model folder: $work/tinyzh-stories-tiny"
