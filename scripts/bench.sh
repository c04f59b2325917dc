#!/usr/bin/env bash
# Runs every benchmark and prints its figures: native ingest against plain
# signature verification, sync overhead on a simulated network, cold sync of
# a large space from a relay (native), and the browser benchmarks (IndexedDB
# ingest, reload, bundle size, cold sync into a page). Release builds; the
# first run compiles for a while.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --all

step() { printf '\n== %s\n' "$*"; }

step "ingest"
HEARTH_BENCH_OPS="${HEARTH_BENCH_OPS:-20000}" cargo bench -p hearth-node --bench ingest --locked

step "payments and trust"
cargo bench -p hearth-node --bench ledger --locked

step "sync overhead on a simulated network"
cargo bench -p hearth-net --bench sync --locked

step "cold sync of a large space from a relay into a fresh native node"
cargo bench -p hearth-relay --bench cold_sync --locked

step "1,000 members on one relay"
cargo bench -p hearth-relay --bench peers --locked

step "browser benchmarks"
scripts/bench-web.sh
