#!/usr/bin/env bash
# End-to-end tests: builds the UI and the app, starts the local mail server, Xvfb, a private
# Secret Service and tauri-driver, then drives the real app in WebKit. Screenshots of each
# screen land in tests/e2e/screenshots/ (light) and tests/e2e/screenshots/dark/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
install_missing
install_app_deps
use_target_dir

say "UI and app build"
npm --prefix ui run build >/dev/null
cargo build --locked -p inkorg
APP=$CARGO_TARGET_DIR/debug/inkorg

say "mail server"
tests/mailserver/start >/dev/null
eval "$(tests/mailserver/mailserver.sh env | sed 's/^/export /')"
SEEDED=120
tests/mailserver/mailserver.sh reset e2e
tests/mailserver/seed e2e "$SEEDED"
NEWEST_SUBJECT=$(tail -1 "$MAILSERVER_ROOT/home/e2e/expected.tsv" | cut -f2)

e2e_body() {
  set -euo pipefail
  local port=4545 native=4546 theme=$1 shots=$2
  [ "$theme" = dark ] && export GTK_THEME=Adwaita:dark
  export INKORG_DATA_DIR INKORG_EXTRA_CA=$CA_FILE
  INKORG_DATA_DIR=$(mktemp -d)
  tauri-driver --port $port --native-port $native >/tmp/inkorg-tauri-driver.log 2>&1 &
  local driver=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
  local rc=0
  APP=$APP DRIVER_URL=http://127.0.0.1:$port/ MAIL_USER=e2e@inkorg.test SHOTS=$shots \
    SEEDED=$SEEDED NEWEST_SUBJECT=$NEWEST_SUBJECT IMAP_PORT=$IMAP_PORT SMTP_PORT=$SMTP_PORT \
    node --test ui/e2e/inbox.e2e.mjs || rc=$?
  kill $driver 2>/dev/null || true
  rm -rf "$INKORG_DATA_DIR"
  return $rc
}
export -f e2e_body
export APP SEEDED NEWEST_SUBJECT IMAP_PORT SMTP_PORT CA_FILE MAIL_PASSWORD

# The display must exist before the private D-Bus session starts, and GTK must not wait on
# desktop portals that cannot run here; otherwise the WebDriver session hangs.
Xvfb :97 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB 2>/dev/null || true' EXIT
export DISPLAY=:97 WEBKIT_DISABLE_COMPOSITING_MODE=1 GTK_USE_PORTAL=0 WEBKIT_USE_PORTAL=0 NO_AT_BRIDGE=1 LANG=C.UTF-8
sleep 1

say "end to end in WebKit (light theme)"
with_keyring bash -c "e2e_body light $ROOT/tests/e2e/screenshots"
say "end to end in WebKit (dark theme)"
with_keyring bash -c "e2e_body dark $ROOT/tests/e2e/screenshots/dark"
echo "screenshots: $ROOT/tests/e2e/screenshots/"
