#!/usr/bin/env bash
# End-to-end tests: builds the UI and the app, starts the local mail server, the simulated
# internet (as root), the scripted provider answers, Xvfb, a private Secret Service and
# tauri-driver, then drives the real app in WebKit: once with a Swedish OS language (light
# theme) and once with an English one (dark theme). Screenshots of every screen land in
# tests/e2e/screenshots/sv/ and tests/e2e/screenshots/en/.
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

say "mail server, simulated internet, scripted provider answers"
tests/mailserver/start >/dev/null
eval "$(tests/mailserver/mailserver.sh env | sed 's/^/export /')"
SIMNET=0
if [ "$(id -u)" = 0 ]; then
  SIMNET_ENV=$(tests/simnet/simnet.sh start)
  set -a; eval "$SIMNET_ENV"; set +a
  SIMNET=1
else
  say "not root: the flows that need the simulated internet are skipped"
  SIM_PASSWORD=$MAIL_PASSWORD
fi
eval "$(tests/provider-answers/responder.sh start | sed 's/^/export /')"
SEEDED=120
tests/mailserver/mailserver.sh reset e2e
tests/mailserver/seed e2e "$SEEDED"
NEWEST_SUBJECT=$(tail -1 "$MAILSERVER_ROOT/home/e2e/expected.tsv" | cut -f2)
MAIL_USER=e2e@inkorg.test

# The system browser, as the app's links reach it (xdg-open honours BROWSER): it only notes
# the address.
BROWSER_DIR=$(mktemp -d)
BROWSER_LOG=$BROWSER_DIR/opened.log
printf '#!/bin/sh\necho "$1" >>"%s"\n' "$BROWSER_LOG" >"$BROWSER_DIR/browser"
chmod +x "$BROWSER_DIR/browser"

# A page elsewhere that would load if the window let itself be navigated away from the app.
PHISH_DIR=$BROWSER_DIR/phish
mkdir -p "$PHISH_DIR"
echo '<!doctype html><title>phish</title><p>PHISHING PAGE</p>' >"$PHISH_DIR/index.html"
PHISH_PORT=10888
python3 -m http.server --bind 127.0.0.1 --directory "$PHISH_DIR" "$PHISH_PORT" >/dev/null 2>&1 &
PHISH_PID=$!
PHISH_URL=http://127.0.0.1:$PHISH_PORT/index.html

e2e_body() {
  set -euo pipefail
  local port=4545 native=4546 lang=$1 theme=$2 shots=$3
  [ "$theme" = dark ] && export GTK_THEME=Adwaita:dark
  # The OS language the app asks Rust for (sys-locale reads these on Linux).
  if [ "$lang" = sv ]; then export LANG=sv_SE.UTF-8; else export LANG=en_GB.UTF-8; fi
  unset LC_ALL LC_MESSAGES
  export INKORG_DATA_DIR BROWSER=$BROWSER_DIR/browser
  INKORG_DATA_DIR=$(mktemp -d)
  # The desktop's notification service, on this private session bus: it records what the app
  # posts and clicks a notification when the test asks.
  export NOTIFY_DIR
  NOTIFY_DIR=$(mktemp -d)
  /usr/bin/python3 tests/e2e/notifyd.py "$NOTIFY_DIR" &
  local notifyd=$!
  for _ in $(seq 50); do [ -e "$NOTIFY_DIR/ready" ] && break; sleep 0.1; done
  [ -e "$NOTIFY_DIR/ready" ] || { echo "the stub notification service did not start" >&2; return 1; }
  tauri-driver --port $port --native-port $native >/tmp/inkorg-tauri-driver.log 2>&1 &
  local driver=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
  local rc=0
  E2E_LANG=$lang SHOTS=$shots DRIVER_URL=http://127.0.0.1:$port/ node --test ui/e2e/app.e2e.mjs || rc=$?
  kill $driver $notifyd 2>/dev/null || true
  rm -rf "$INKORG_DATA_DIR" "$NOTIFY_DIR"
  return $rc
}
export -f e2e_body
export APP SEEDED NEWEST_SUBJECT IMAP_PORT SMTP_PORT MAIL_USER MAIL_PASSWORD MAILSERVER_ROOT SIMNET \
  SIM_PASSWORD BROWSER_DIR BROWSER_LOG PHISH_URL INKORG_EXTRA_CA="$CA_FILE"

# The display must exist before the private D-Bus session starts, and GTK must not wait on
# desktop portals that cannot run here; otherwise the WebDriver session hangs.
Xvfb :97 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB=$!
trap 'kill $XVFB $PHISH_PID 2>/dev/null || true; rm -rf "$BROWSER_DIR"' EXIT
export DISPLAY=:97 WEBKIT_DISABLE_COMPOSITING_MODE=1 GTK_USE_PORTAL=0 WEBKIT_USE_PORTAL=0 NO_AT_BRIDGE=1
sleep 1

rm -rf tests/e2e/screenshots
say "end to end in WebKit: Swedish system language, light theme"
with_keyring bash -c "e2e_body sv light $ROOT/tests/e2e/screenshots/sv"
say "end to end in WebKit: English system language, dark theme"
with_keyring bash -c "e2e_body en dark $ROOT/tests/e2e/screenshots/en"
echo "screenshots: $ROOT/tests/e2e/screenshots/{sv,en}/"
