#!/usr/bin/env bash
# The main job until the desktop app exists: install what is missing, build inkorg-cli, start
# the local mail server with a demo account and seeded mail, then log in, sync and list it.
# Without a desktop session (no D-Bus), a private throw-away keyring holds the password.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
install_missing
use_target_dir

say "building inkorg-cli"
cargo build --locked -p inkorg-cli
CLI=$CARGO_TARGET_DIR/debug/inkorg-cli

say "local mail server (Dovecot + Postfix on 127.0.0.1)"
tests/mailserver/start | tee /dev/stderr | sed 's/^/export /' > "${TMPDIR:-/tmp}/inkorg-demo.env"
source "${TMPDIR:-/tmp}/inkorg-demo.env"
seeded=$(wc -l < "$MAILSERVER_ROOT/home/alice/expected.tsv" 2>/dev/null || echo 0)
[ "$seeded" -ge 200 ] || tests/mailserver/seed alice 200

demo() {
  set -euo pipefail
  export INKORG_DATA_DIR=${INKORG_DATA_DIR:-$HOME/.local/share/inkorg-demo}
  printf '%s\n' "$MAIL_PASSWORD" | "$CLI" login --email "$MAIL_USER" --name "Alice Andersson" \
    --imap-host "$IMAP_HOST" --imap-port "$IMAP_PORT" --imap-security "$IMAP_SECURITY" \
    --smtp-host "$SMTP_HOST" --smtp-port "$SMTP_PORT" --smtp-security "$SMTP_SECURITY" \
    --ca-file "$CA_FILE" --password-stdin
  "$CLI" sync
  "$CLI" status
  echo
  "$CLI" list --limit 20
}
export -f demo
export CLI
with_keyring --desktop bash -c demo
