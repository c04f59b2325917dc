#!/usr/bin/env bash
# Builds the web app into web/dist with Trunk (release, for wasm32).
set -euo pipefail
cd "$(dirname "$0")/../web"
export PATH="$PWD/../scripts/wasm-bin:$PATH"
export CARGO_TARGET_DIR="$PWD/../target-wasm"
# What members download: no debug info, one codegen unit with LTO (smaller
# and faster), still optimised for speed (signature checks run here).
export CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1
trunk build --release --locked "$@"
