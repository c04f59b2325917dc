#!/usr/bin/env bash
# The browser benchmarks, in headless Chromium (release builds):
#   - IndexedDB ingest through the node (verifying in the signature worker,
#     and all on one thread) vs plain batch verification, and the
#     reload time with everything stored (HEARTH_BENCH_BROWSER_OPS, default 20000;
#     run it again with 100000 for the 100k reload figure);
#   - the web app's bundle size, gzipped;
#   - cold sync of a 100,000-op space (HEARTH_BENCH_SYNC_OPS) from a relay into
#     a fresh page, over WebSocket and over WebRTC-direct: seconds until it
#     shows every op (target < 15 s);
#   - browser-to-browser sync of a 10,000-op space (HEARTH_BENCH_DIRECT_OPS)
#     that only one page holds, over a direct WebRTC connection and through
#     the relay's circuit, with the relay's bytes during each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --all
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
export HEARTH_BENCH_BROWSER_OPS="${HEARTH_BENCH_BROWSER_OPS:-20000}"
HEARTH_VERIFIER_WASM="$(scripts/build-verifier.sh)"
export HEARTH_VERIFIER_WASM
scripts/wasm-cargo.sh test --release --locked -p hearth-node --test browser_bench -- --nocapture 2>&1 \
  | grep -E 'ops =|ops/s|reload_to_interactive_ms|ratio|test result|panicked'

scripts/build-web.sh >/dev/null 2>&1
bytes=0
for f in web/dist/*.wasm web/dist/*.js web/dist/*.css; do
  bytes=$((bytes + $(gzip -9 -c "$f" | wc -c)))
done
echo "bundle_gzip_bytes = $bytes"

# Cold sync of a large space from a relay into a fresh page: the CLI and the
# workload generator as the tests build them, the relay as its bench builds
# it (release); both are no-ops after scripts/test.sh's earlier steps.
cargo test --workspace --no-run --locked >/dev/null 2>&1
cargo bench -p hearth-relay --bench cold_sync --no-run --locked >/dev/null 2>&1
cd tests/e2e
npm ci --no-audit --no-fund --loglevel=error >/dev/null
for via in websocket webrtc; do
  HEARTH_BENCH_VIA=$via HEARTH_RELAY_BIN="$PWD/../../target/release/hearth-relay" \
    node cold-sync.bench.js | grep -E 'browser|busy'
done
node direct-sync.bench.js | grep -E '^(direct|relayed)|_ratio|relay_bytes|first_op'
