#!/usr/bin/env bash
# Benchmark (prints figures, never fails on time): Inkorg's initial header sync of N seeded
# messages (default 10,000) into SQLite, next to a raw single-command UID FETCH of the same
# header fields against the same Dovecot in the same run, and their ratio. Also a no-op resync,
# the delay from Postfix accepting a mail to the `new_message` event of `inkorg-cli watch`
# (median of 20), and the memory of that watch with the N messages stored. Then the same
# mailbox grown to LARGE messages (default 100,000; 0 skips it), in tests/bench/large.sh: the
# header sync against the raw fetch, a no-op resync (QRESYNC), a resync after 200 flag
# changes, 50 expunges and 20 new messages, mbsync's no-op on the same mailbox for the ratio,
# and watch's memory.
#   scripts/bench.sh [N] [REPEAT] [LARGE]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
N=${1:-10000}
REPEAT=${2:-5}
LARGE=${3:-100000}
install_missing
use_target_dir

say "release build"
cargo build --release --locked -p inkorg-cli >/dev/null 2>&1 || cargo build --release --locked -p inkorg-cli
CLI=$CARGO_TARGET_DIR/release/inkorg-cli

say "mail server with $N messages for bench@inkorg.test"
tests/mailserver/start >/dev/null
eval "$(tests/mailserver/mailserver.sh env | sed 's/^/export /')"
tests/mailserver/mailserver.sh reset bench
tests/mailserver/seed bench "$N"

bench_body() {
  set -euo pipefail
  export INKORG_PASSWORD=$MAIL_PASSWORD
  median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
  raw=() ink=() noop=() inproc=()
  for i in $(seq "$REPEAT"); do
    raw+=("$(python3 tests/bench/raw_fetch.py localhost "$IMAP_PORT" bench@inkorg.test "$CA_FILE" | cut -d' ' -f1)")
    dir=$(mktemp -d)
    "$CLI" --data-dir "$dir" login --email bench@inkorg.test --imap-host localhost --imap-port "$IMAP_PORT" \
      --smtp-host localhost --smtp-port "$SMTP_PORT" --ca-file "$CA_FILE" >/dev/null
    s=$(date +%s.%N); out=$("$CLI" --data-dir "$dir" sync); e=$(date +%s.%N)
    ink+=("$(echo "$e - $s" | bc -l)")
    inproc+=("$(echo "$out" | sed -n 's/.* in \([0-9]*\) ms$/\1/p' | awk '{print $1/1000}')")
    s=$(date +%s.%N); "$CLI" --data-dir "$dir" sync >/dev/null; e=$(date +%s.%N)
    noop+=("$(echo "$e - $s" | bc -l)")
    count=$("$CLI" --data-dir "$dir" status | awk '/folder: +INBOX/ {print $3}')
    "$CLI" --data-dir "$dir" logout >/dev/null
    rm -rf "$dir"
  done
  r=$(printf '%s\n' "${raw[@]}" | median)
  k=$(printf '%s\n' "${ink[@]}" | median)
  n=$(printf '%s\n' "${noop[@]}" | median)
  p=$(printf '%s\n' "${inproc[@]}" | median)
  echo
  echo "header sync of $N messages over IMAPS, median of $REPEAT runs (Inkorg stored $count)"
  printf '  raw UID FETCH 1:* (one command, no parsing):   %.3f s\n' "$r"
  printf '  inkorg-cli sync (login, LIST, fetch, SQLite): %.3f s\n' "$k"
  printf '  ratio inkorg / raw:                           %.2fx (target: at most 1.5x)\n' "$(echo "$k / $r" | bc -l)"
  printf '  the same sync timed inside the engine:        %.3f s (%.2fx raw; from the keyring look-up on,\n' "$p" "$(echo "$p / $r" | bc -l)"
  printf '    without process start and database open, which a running app pays once)\n'
  printf '  inkorg-cli sync with nothing new (no-op):     %.3f s\n' "$n"
  dir=$(mktemp -d)
  "$CLI" --data-dir "$dir" login --email bench@inkorg.test --imap-host localhost --imap-port "$IMAP_PORT" \
    --smtp-host localhost --smtp-port "$SMTP_PORT" --ca-file "$CA_FILE" >/dev/null
  python3 tests/bench/push_latency.py "$CLI" "$dir" tests/mailserver/mailserver.sh bench 20
  "$CLI" --data-dir "$dir" logout >/dev/null
  rm -rf "$dir"
}
export -f bench_body
export CLI N REPEAT LARGE
command -v bc >/dev/null || { apt-get install -y -qq bc >/dev/null; }
with_keyring bash -c bench_body
if [ "$LARGE" -gt 0 ]; then
  command -v mbsync >/dev/null || apt_install isync
  say "the mailbox grown to $LARGE messages"
  tests/mailserver/mailserver.sh reset bench
  tests/mailserver/seed bench "$LARGE"
  with_keyring bash tests/bench/large.sh
fi
