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
cargo build --locked -p inkorg -p inkorg-cli
APP=$CARGO_TARGET_DIR/debug/inkorg
CLI=$CARGO_TARGET_DIR/debug/inkorg-cli

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
  # The app inherits tauri-driver's environment (INKORG_DATA_DIR above all): one driver per
  # profile.
  local driver
  start_driver() {
    tauri-driver --port $port --native-port $native >>/tmp/inkorg-tauri-driver.log 2>&1 &
    driver=$!
    for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
  }
  start_driver
  local rc=0
  # E2E_ONLY=reader runs only the reading suite (while working on it; CI runs both).
  if [ "${E2E_ONLY:-}" != reader ]; then
    E2E_LANG=$lang SHOTS=$shots DRIVER_URL=http://127.0.0.1:$port/ node --test ui/e2e/app.e2e.mjs || rc=$?
  fi
  rm -rf "$INKORG_DATA_DIR"

  # Reading, in a profile of its own whose account the CLI set up: the corpus and the hostile
  # mail in reader@'s inbox, the canary listening.
  INKORG_DATA_DIR=$(mktemp -d)
  local mail=$(mktemp -d) canary_port=10889
  export CANARY_LOG=$mail/canary.log CANARY_URL=http://127.0.0.1:$canary_port CONSENT_EML=$mail/consent.eml
  export MAILSERVER_SH=$PWD/tests/mailserver/mailserver.sh
  tests/mailserver/mailserver.sh reset reader
  export HOSTILE_COUNT CORPUS_COUNT
  HOSTILE_COUNT=$(python3 tests/hostile/make_messages.py "$mail/hostile" "$CANARY_URL")
  python3 tests/hostile/make_messages.py --consent "$CONSENT_EML" "$CANARY_URL"
  CORPUS_COUNT=$(ls tests/corpus/*.eml | wc -l)
  tests/mailserver/mailserver.sh save reader tests/corpus/*.eml "$mail"/hostile/*.eml
  printf '%s\n' "$MAIL_PASSWORD" | "$CLI" --data-dir "$INKORG_DATA_DIR" login --email reader@inkorg.test \
    --imap-host "$IMAP_HOST" --imap-port "$IMAP_PORT" --imap-security tls --smtp-host "$SMTP_HOST" \
    --smtp-port "$SMTP_PORT" --smtp-security "$SMTP_SECURITY" --ca-file "$CA_FILE" --password-stdin >/dev/null
  # A new driver on ports of its own (the old one's WebKitWebDriver may outlive it).
  kill $driver 2>/dev/null || true
  pkill -f "WebKitWebDriver.*$native" 2>/dev/null || true
  port=$((port + 2)) native=$((native + 2))
  start_driver
  python3 tests/hostile/canary.py $canary_port "$CANARY_LOG" >"$mail/canary.out" 2>&1 &
  local canary=$!
  for _ in $(seq 50); do grep -q ready "$mail/canary.out" 2>/dev/null && break; sleep 0.1; done
  E2E_LANG=$lang SHOTS=$shots DRIVER_URL=http://127.0.0.1:$port/ node --test ui/e2e/reader.e2e.mjs || rc=$?
  kill $canary $driver $notifyd 2>/dev/null || true
  pkill -f "WebKitWebDriver.*$native" 2>/dev/null || true
  rm -rf "$INKORG_DATA_DIR" "$NOTIFY_DIR" "$mail"
  return $rc
}
export -f e2e_body
export APP CLI SEEDED NEWEST_SUBJECT IMAP_PORT SMTP_PORT MAIL_USER MAIL_PASSWORD MAILSERVER_ROOT SIMNET \
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
