#!/usr/bin/env bash
# Runs every fuzz target for N seconds (default 30), seeded with the committed
# regression inputs. A crash leaves its input in fuzz/artifacts/: copy it to
# crates/core/tests/fuzz-regressions/ so the test suite replays it forever.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds="${1:-30}"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo_fuzz=(cargo +nightly fuzz)
else
  # cargo-fuzz needs unstable flags; stable accepts them with RUSTC_BOOTSTRAP.
  export RUSTC_BOOTSTRAP=1
  cargo_fuzz=(cargo fuzz)
fi
for target in $("${cargo_fuzz[@]}" list); do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  cp ../crates/core/tests/fuzz-regressions/* "$corpus/" 2>/dev/null || true
  echo "fuzzing $target for ${seconds}s"
  log="$(mktemp)"
  if ! "${cargo_fuzz[@]}" run "$target" "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz target $target failed; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' "$log" || tail -n 3 "$log"
  rm -f "$log"
done
