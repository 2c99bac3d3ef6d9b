#!/bin/sh
# Reproducible release build of the tokenizer crate to WebAssembly.
#
#   scripts/build-wasm.sh [OUTFILE]      (default: wasm/tokenizer.wasm next to this script's package)
#
# Uses Debian's Rust toolchain (rustc 1.63, package `rustc cargo libstd-rust-dev-wasm32 lld`) at /usr/bin, whatever
# else is on PATH; override with CARGO=/path/to/cargo. The output does not depend on where the crate or the cargo
# home live (--remap-path-prefix), carries no timestamps, and is built with codegen-units=1, LTO and stripped
# symbols (see crate/Cargo.toml), so the same toolchain gives the same bytes.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
crate="$here/crate"
out=${1:-"$here/wasm/tokenizer.wasm"}
cargo=${CARGO:-/usr/bin/cargo}
rustc_bin=${RUSTC:-$(dirname "$cargo")/rustc}
if [ ! -x "$cargo" ]; then
  echo "build-wasm: $cargo not found (install Debian packages: rustc cargo libstd-rust-dev-wasm32 lld)" >&2
  exit 1
fi
target_dir=$(mktemp -d "${TMPDIR:-/tmp}/tinyzh-wasm-target.XXXXXX")
trap 'rm -rf "$target_dir"' EXIT INT TERM
cargo_home=${CARGO_HOME:-${HOME:-/root}/.cargo}
us=$(printf '\037')
flags="--remap-path-prefix=$crate=/tinyzh-tokenizer${us}--remap-path-prefix=$cargo_home=/cargo${us}--remap-path-prefix=$target_dir=/target${us}-Ccodegen-units=1${us}-Cstrip=symbols"
# Offline: the crate has no dependencies. SOURCE_DATE_EPOCH for any tool that stamps dates.
env -u RUSTFLAGS \
  CARGO_ENCODED_RUSTFLAGS="$flags" \
  CARGO_TARGET_DIR="$target_dir" \
  CARGO_INCREMENTAL=0 \
  SOURCE_DATE_EPOCH=0 \
  RUSTC="$rustc_bin" \
  "$cargo" build --offline --locked --release --target wasm32-unknown-unknown \
  --manifest-path "$crate/Cargo.toml" >&2
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
cp "$target_dir/wasm32-unknown-unknown/release/tinyzh_tokenizer.wasm" "$tmp"
mv "$tmp" "$out"
echo "build-wasm: wrote $out ($(wc -c < "$out") bytes)" >&2
