#!/usr/bin/env bash
# Installs what Hearth's build and tests need on a fresh Debian machine, and
# skips whatever is already there. Safe to run again.
#   scripts/setup.sh          native build only
#   scripts/setup.sh --web    also what building the web app needs
#   scripts/setup.sh --all    also browsers, Node.js and cargo-fuzz for the tests
set -euo pipefail
cd "$(dirname "$0")/.."

web=false all=false
case "${1:-}" in
  --web) web=true ;;
  --all) web=true all=true ;;
esac

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if ! have cargo; then
  echo "setup: cargo not found; install Rust (https://rustup.rs) and run again" >&2
  exit 1
fi

if $web; then
  # Browser target: rustup's wasm32 std if it is installed, otherwise Debian's
  # rustc-web with std built from source (see scripts/wasm-cargo.sh).
  if ! rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
    /usr/bin/rustc --version >/dev/null 2>&1 || need_apt+=(rustc-web cargo-web)
    [ -d /usr/lib/rustlib/src/rust ] || need_apt+=(rust-web-src)
    dpkg -s rust-web-llvm >/dev/null 2>&1 || need_apt+=(rust-web-llvm)
    dpkg -s lld-22 >/dev/null 2>&1 || need_apt+=(lld-22)
  fi
  # The web build's post-build hook (web/strip-names.py).
  have python3 || need_apt+=(python3)
fi
if $all; then
  have chromium || need_apt+=(chromium)
  have chromedriver || need_apt+=(chromium-driver)
  have node || need_apt+=(nodejs)
  have npm || need_apt+=(npm)
fi

if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}"
fi

if $web; then
  # The wasm-bindgen CLI must match the wasm-bindgen crate pinned in Cargo.toml.
  wbg_version=0.2.108
  if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg_version" ]; then
    echo "setup: installing wasm-bindgen-cli $wbg_version (takes several minutes)"
    cargo install wasm-bindgen-cli --version "$wbg_version"
  fi
  # Trunk builds the web app; 0.21 is the newest that builds with Rust 1.95.
  trunk_version=0.21.14
  if [ "$(trunk --version 2>/dev/null)" != "trunk $trunk_version" ]; then
    echo "setup: installing trunk $trunk_version (takes several minutes)"
    cargo install trunk --version "$trunk_version" --locked
  fi
fi

if $all && ! have cargo-fuzz; then
  echo "setup: installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi
