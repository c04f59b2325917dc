#!/usr/bin/env bash
# Sets up and runs Hearth: builds the web app and the community relay, then
# starts the relay serving the app on localhost and prints the URL to open.
# Opening that page runs a full Hearth node in the browser tab, which syncs
# through this relay (peer-to-peer on 127.0.0.1:4001, WebSocket on :4002).
#   HEARTH_RELAY_LISTEN=127.0.0.1:8080 (default) chooses the address.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --web
scripts/build-web.sh
cargo build --release --locked -p hearth-relay -p hearth-cli
# A relay on your own machine hosts every space its visitors bring.
exec target/release/hearth-relay --web-dir web/dist --host-all
