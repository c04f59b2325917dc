#!/bin/sh
# Trunk post-build hook: stamps the service worker with a hash of index.html
# (which names every hashed asset), so each build is a new service worker.
set -eu
dir="${TRUNK_STAGING_DIR:?run by trunk}"
version=$(sha256sum "$dir/index.html" | cut -c1-16)
sed -i "s/__HEARTH_VERSION__/$version/" "$dir/sw.js"
