#!/usr/bin/env bash
# Starts the local mail server with a demo account and seeded Swedish mail, and prints what to
# type into Inkorg's setup view.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
tests/mailserver/start > "${TMPDIR:-/tmp}/inkorg-demo.env"
set -a; source "${TMPDIR:-/tmp}/inkorg-demo.env"; set +a
seeded=0
[ -f "$MAILSERVER_ROOT/home/alice/expected.tsv" ] && seeded=$(wc -l < "$MAILSERVER_ROOT/home/alice/expected.tsv")
[ "$seeded" -ge 200 ] || tests/mailserver/seed alice 200 >/dev/null
cat <<EOT

Demo account (local mail server on 127.0.0.1):
  Email account / E-postkonto:  $MAIL_USER, then Next / Nästa. Nothing is found for
  inkorg.test, so Advanced settings / Avancerade inställningar opens; fill in:
    Incoming (IMAP):  server localhost, port $IMAP_PORT, SSL On / På
    Outgoing (SMTP):  server localhost, port $SMTP_PORT, SSL On (STARTTLS) / På (STARTTLS)
    Password / Lösenord (incoming):  $MAIL_PASSWORD
  then Save / Spara.
  The server's certificate comes from a local test CA: start Inkorg with
    INKORG_EXTRA_CA=$CA_FILE
EOT
