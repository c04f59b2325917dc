#!/usr/bin/env bash
# Builds hearth-verifier, the module the browser's signature worker runs
# (wasm32, the `web` profile or $HEARTH_WEB_PROFILE, symbols stripped: it
# imports and names nothing), and prints the path of the .wasm.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target-wasm}"
profile="${HEARTH_WEB_PROFILE:-web}"
scripts/wasm-cargo.sh rustc -p hearth-verifier --lib --crate-type cdylib --profile "$profile" --locked -- -C strip=symbols >&2
echo "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/hearth_verifier.wasm"
