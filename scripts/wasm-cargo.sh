#!/usr/bin/env bash
# `cargo` for wasm32-unknown-unknown: rustup's when its wasm32 std is
# installed, otherwise Debian's rustc-web building std from source.
# Wasm builds use their own target dir so they never invalidate native ones.
# Arguments after `--` go to the test binaries, as with cargo.
set -euo pipefail
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd "$(dirname "$0")/.." && pwd)/target-wasm}"
args=() rest=()
while [ $# -gt 0 ]; do
  if [ "$1" = -- ]; then rest=("$@"); break; fi
  args+=("$1"); shift
done
if rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  exec cargo "${args[@]}" --target wasm32-unknown-unknown "${rest[@]}"
fi
export RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc
exec /usr/bin/cargo "${args[@]}" --target wasm32-unknown-unknown -Z build-std=std,panic_abort "${rest[@]}"
