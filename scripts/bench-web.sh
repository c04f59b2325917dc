#!/usr/bin/env bash
# The browser benchmarks, in headless Chromium (release builds):
#   - IndexedDB ingest through the node (verifying in the signature worker,
#     and all on one thread) vs plain batch verification, and the
#     reload time with everything stored (HEARTH_BENCH_BROWSER_OPS, default 20000;
#     run it again with 100000 for the 100k reload figure);
#   - the web app's bundle size, gzipped.
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
