#!/usr/bin/env bash
# The scripted provider answers (responder.py) on loopback, with the test mail server's
# certificate (so clients trust it through the test CA, as they trust the test mail server).
#
#   responder.sh start   start it (and the mail server's certificates) if not running; print env
#   responder.sh env     RESPONDER_IMAP_PORT, RESPONDER_SMTP_PORT, RESPONDER_LOG
#   responder.sh stop
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
R_IMAP=10996 R_SMTP=10467
STATE=${XDG_RUNTIME_DIR:-/tmp}/inkorg-responder-$(id -u)
mkdir -p "$STATE"

env_lines() {
  echo "RESPONDER_IMAP_PORT=$R_IMAP"
  echo "RESPONDER_SMTP_PORT=$R_SMTP"
  echo "RESPONDER_LOG=$STATE/logins.log"
}

running() { [ -f "$STATE/pid" ] && kill -0 "$(cat "$STATE/pid")" 2>/dev/null; }

start() {
  if ! running; then
    local tls
    tls=$("$REPO/tests/mailserver/mailserver.sh" env | sed -n 's/^MAILSERVER_ROOT=//p')/tls
    [ -f "$tls/chain.pem" ] || "$REPO/tests/mailserver/start" >/dev/null
    : >"$STATE/logins.log"
    python3 "$HERE/responder.py" --cert "$tls/chain.pem" --key "$tls/key.pem" \
      --imap-port $R_IMAP --smtp-port $R_SMTP --log "$STATE/logins.log" \
      >"$STATE/responder.out" 2>&1 </dev/null &
    echo $! >"$STATE/pid"
    for _ in $(seq 50); do
      (exec 3<>/dev/tcp/127.0.0.1/$R_IMAP) 2>/dev/null && break
      sleep 0.1
    done
    running || { cat "$STATE/responder.out" >&2; exit 1; }
  fi
  env_lines
}

case "${1:-}" in
  start) start ;;
  env) env_lines ;;
  stop) running && kill "$(cat "$STATE/pid")"; rm -f "$STATE/pid" ;;
  *) sed -n '2,8p' "$0" >&2; exit 2 ;;
esac
