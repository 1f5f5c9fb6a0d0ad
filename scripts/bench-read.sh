#!/usr/bin/env bash
# Benchmark of reading (prints figures, never fails on time): every message of the .eml corpus
# and the hostile set (tests/hostile, four copies of each) plus a 10 MB message with a 9 MB
# attachment, in a loopback Dovecot mailbox; Inkorg opens each as the app does (body fetched
# when not stored, parsed, sanitised, the frame's document made) — the first open, the stored
# open, the large one's text and, separately, its attachment — next to a raw one-message-at-a-
# time UID FETCH BODY.PEEK[] of the same mailbox in the same run. The painted figures in real
# WebKit (from a click to the frame's text, and how long the UI's frames stop during the large
# message) are printed by the reading e2e suite (ui/e2e/reader.e2e.mjs).
#   scripts/bench-read.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
install_missing
use_target_dir

say "release build"
for target in "-p inkorg-cli --bin inkorg-cli" "-p inkorg-core --example read_bench"; do
  # shellcheck disable=SC2086 # the words of $target are cargo's arguments
  cargo build --release --locked $target >/dev/null 2>&1 || cargo build --release --locked $target
done
CLI=$CARGO_TARGET_DIR/release/inkorg-cli
BENCH=$CARGO_TARGET_DIR/release/examples/read_bench

say "mail server: the corpus, the hostile set and a 10 MB message for bench@inkorg.test"
tests/mailserver/start >/dev/null
eval "$(tests/mailserver/mailserver.sh env | sed 's/^/export /')"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 tests/hostile/make_messages.py "$work/hostile" http://127.0.0.1:9 >/dev/null
python3 - "$work/large.eml" <<'PY'
import base64, os, sys
att = base64.encodebytes(os.urandom(9 * 1024 * 1024)).decode().replace("\n", "\r\n")
text = ("Hej!\r\n\r\nHär kommer ritningarna till huset på Storgatan, som utlovat.\r\n" * 400)
open(sys.argv[1], "w").write(
    "From: Arkitekt <ritning@inkorg.test>\r\nTo: bench@inkorg.test\r\nSubject: Stor bilaga\r\n"
    "Date: Tue, 01 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text +
    "\r\n--B\r\nContent-Type: application/pdf; name=ritning.pdf\r\n"
    "Content-Disposition: attachment; filename=ritning.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    + att + "--B--\r\n")
PY
tests/mailserver/mailserver.sh reset bench
files=(tests/corpus/*.eml "$work"/hostile/*.eml)
for _ in 1 2 3 4; do tests/mailserver/mailserver.sh save bench "${files[@]}"; done
tests/mailserver/mailserver.sh save bench "$work/large.eml"

bench_body() {
  set -euo pipefail
  export INKORG_PASSWORD=$MAIL_PASSWORD
  dir=$(mktemp -d)
  "$CLI" --data-dir "$dir" login --email bench@inkorg.test --imap-host localhost --imap-port "$IMAP_PORT" \
    --smtp-host localhost --smtp-port "$SMTP_PORT" --ca-file "$CA_FILE" >/dev/null
  "$CLI" --data-dir "$dir" sync >/dev/null
  read -r raw_median raw_max raw_n < <(python3 tests/bench/raw_body.py localhost "$IMAP_PORT" bench@inkorg.test "$CA_FILE")
  echo
  echo "raw UID FETCH BODY.PEEK[] of one message at a time, $raw_n messages on one session:"
  echo "  median $raw_median ms, max $raw_max ms (the large message included)"
  INKORG_EXTRA_CA=$CA_FILE "$BENCH" "$dir"
  "$CLI" --data-dir "$dir" logout >/dev/null
  rm -rf "$dir"
}
export -f bench_body
export CLI BENCH CA_FILE IMAP_PORT SMTP_PORT MAIL_PASSWORD
with_keyring bash -c bench_body
