#!/usr/bin/env bash
# Builds the web app into web/dist with Trunk (release, for wasm32).
set -euo pipefail
cd "$(dirname "$0")/../web"
export PATH="$PWD/../scripts/wasm-bin:$PATH"
export CARGO_TARGET_DIR="$PWD/../target-wasm"
# The signature worker's module, which the post-build hook puts beside the app.
HEARTH_VERIFIER_WASM="$(../scripts/build-verifier.sh)"
export HEARTH_VERIFIER_WASM
# What members download: the `web` profile in Cargo.toml (LTO, no debug
# info, size-optimised except the crates that do the browser's heavy work).
# The test suite sets HEARTH_WEB_PROFILE=web-test: the same without LTO.
trunk build --release --cargo-profile "${HEARTH_WEB_PROFILE:-web}" --locked "$@"
