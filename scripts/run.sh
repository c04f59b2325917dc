#!/usr/bin/env bash
# Sets up and runs Hearth on this machine.
#
# Today this builds the `hearth` node and opens it on a local data directory
# (HEARTH_DIR, default ./.hearth): it creates an identity on first run, shows
# the node's state and the commands to use next. The community relay that
# serves the web app on localhost arrives with the browser-node work; this
# script will then start it and print the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -p hearth-cli
hearth=target/release/hearth
export HEARTH_DIR="${HEARTH_DIR:-$PWD/.hearth}"
if ! "$hearth" id show >/dev/null 2>&1; then
  "$hearth" id new >/dev/null
fi
echo "Hearth node in $HEARTH_DIR"
echo "identity: $("$hearth" id show)"
"$hearth" status
cat <<TXT

Next, for example:
  $hearth space new "Riverside Food Co-op"
  $hearth op note <SPACE> "Market stall on Saturday"
  $hearth op log <SPACE>
  $hearth op export <SPACE> riverside.car     # give this file to another member
  $hearth op import riverside.car             # ...who imports it
  $hearth verify riverside.car                # anyone can check it offline
(HEARTH_DIR=$HEARTH_DIR selects this node's data; \`$hearth --help\` lists everything.)
TXT
