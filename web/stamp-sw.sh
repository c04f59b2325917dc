#!/bin/sh
# Trunk post-build hook (Trunk runs a stage's hooks at once, so this one
# does its steps in order): strips the wasm's debug names (fixing its
# integrity hash), puts the signature worker's module beside the app, then
# stamps the service worker with a hash of index.html (which names every
# hashed asset) and of that module, so each build is a new service worker.
set -eu
dir="${TRUNK_STAGING_DIR:?run by trunk}"
cp "${HEARTH_VERIFIER_WASM:?build with scripts/build-web.sh}" "$dir/hearth-verifier.wasm"
python3 "$(dirname "$0")/strip-names.py"
version=$(cat "$dir/index.html" "$dir/hearth-verifier.wasm" | sha256sum | cut -c1-16)
sed -i "s/__HEARTH_VERSION__/$version/" "$dir/sw.js"
