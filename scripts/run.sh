#!/usr/bin/env bash
# The main job: install what is missing, build the UI and the app, start the local mail server
# with a demo account (its settings are printed), and open the Inkorg window.
# Without a display, the window opens on a virtual one (Xvfb :95); without a desktop session,
# a private throw-away keyring holds the password.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
install_missing
install_app_deps
use_target_dir

say "building the UI and the app"
build_ui
cargo build --locked -p inkorg -p inkorg-cli
APP=$CARGO_TARGET_DIR/debug/inkorg

say "local mail server with a demo account"
bash scripts/demo-server.sh
set -a; source "${TMPDIR:-/tmp}/inkorg-demo.env"; set +a
export INKORG_EXTRA_CA=$CA_FILE

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  say "no display: starting Xvfb on :95 (look with: DISPLAY=:95 import -window root shot.png)"
  Xvfb :95 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  export DISPLAY=:95 WEBKIT_DISABLE_COMPOSITING_MODE=1
fi
say "opening Inkorg"
export APP
with_keyring --desktop bash -c '"$APP"'
