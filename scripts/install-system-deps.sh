#!/usr/bin/env bash
# Installs what the tests need that is not an npm package: Debian's Rust with the
# wasm32-unknown-unknown standard library (to rebuild the tokenizer's .wasm and check it
# matches the committed one), Chromium with CJK fonts (browser tests, screenshots) and python3-onnx (onnx.checker on exported graphs). Idempotent; needs root (or sudo).
set -euo pipefail
pkgs=(rustc cargo libstd-rust-dev-wasm32 lld chromium fonts-noto-cjk python3-onnx)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages present: ${pkgs[*]}"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
