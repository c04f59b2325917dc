#!/usr/bin/env bash
# Sets up and runs every check Hearth has: format, lints, the whole test
# suite (spec vectors, wire fixtures, the shared store suite on every native
# backend, the crash test, CLI scenarios, 50 seeds of the network
# simulation), CAR interop with the reference
# IPLD libraries, the wasm32 build of hearth-core, the store suite on
# IndexedDB in headless Chromium, the web app's journeys in Chromium,
# and a short fuzz run of every decoder. (The benchmarks: scripts/bench.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s)
step() { printf '\n== %s (at %d s)\n' "$*" $(( $(date +%s) - t0 )); }

step "setup"
scripts/setup.sh --all

step "format"
cargo fmt --all --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "tests"
cargo test --workspace --locked

step "CAR exports read by the reference IPLD libraries (JavaScript)"
(cd tests/ipld-interop && npm ci --no-audit --no-fund --loglevel=error \
  && HEARTH_BIN="$PWD/../../target/debug/hearth" node --test)

step "hearth-core for wasm32-unknown-unknown"
scripts/wasm-cargo.sh build -p hearth-core --locked

step "the shared store suite on IndexedDB, in headless Chromium"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
scripts/wasm-cargo.sh test -p hearth-store --test idb --locked

step "the node on IndexedDB, in headless Chromium"
scripts/wasm-cargo.sh test -p hearth-node --test browser --locked

# The web app and its signature worker as members get them, less the LTO
# pass (the `web-test` profile in Cargo.toml).
export HEARTH_WEB_PROFILE=web-test
step "signature checks in a Web Worker, in headless Chromium"
HEARTH_VERIFIER_WASM="$(scripts/build-verifier.sh)"
export HEARTH_VERIFIER_WASM
scripts/wasm-cargo.sh test -p hearth-node --test browser_worker --locked

step "the web app: build, then journeys in headless Chromium (Playwright)"
scripts/build-web.sh
# The js-libp2p page for the WebRTC interop journey (tests/e2e/interop.test.js).
(cd tests/interop-js && npm ci --no-audit --no-fund --loglevel=error && node build.mjs)
# The relay, the CLI and the workload example were built by the test step.
(cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error && node --test)

step "fuzz smoke (${FUZZ_SECONDS:=30} s per target)"
scripts/fuzz.sh "$FUZZ_SECONDS"

printf '\nall checks passed in %d s\n' $(( $(date +%s) - t0 ))
