#!/bin/sh
# Trunk post-build hook (Trunk runs a stage's hooks at once, so this one
# does both steps in order): strips the wasm's debug names (fixing its
# integrity hash), then stamps the service worker with a hash of index.html
# (which names every hashed asset), so each build is a new service worker.
set -eu
dir="${TRUNK_STAGING_DIR:?run by trunk}"
python3 "$(dirname "$0")/strip-names.py"
version=$(sha256sum "$dir/index.html" | cut -c1-16)
sed -i "s/__HEARTH_VERSION__/$version/" "$dir/sw.js"
