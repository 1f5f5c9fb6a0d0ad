#!/usr/bin/env bash
# The large-mailbox part of scripts/bench.sh (which seeds the mailbox and runs this inside a
# private Secret Service): with bench@inkorg.test holding LARGE messages, prints
#   - the header sync, timed inside the engine, against the raw fetch of the same fields;
#   - a no-op resync (QRESYNC), median of 5;
#   - a resync after 200 flag changes, 50 expunges and 20 new messages;
#   - mbsync's full sync and no-op resync of the same mailbox, and the no-op ratio;
#   - the memory of `inkorg-cli watch` with the mailbox stored.
# Needs CLI, LARGE, IMAP_PORT, SMTP_PORT, CA_FILE, MAIL_PASSWORD in the environment.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export INKORG_PASSWORD=$MAIL_PASSWORD
MS=tests/mailserver/mailserver.sh

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# The engine's own time for a sync (its "… in N ms" line: from the keyring look-up on).
engine_s() { sed -n 's/.* in \([0-9]*\) ms$/\1/p' | awk '{print $1/1000}'; }
now() { date +%s.%N; }

dir=$(mktemp -d)
mb=$(mktemp -d)
trap 'rm -rf "$dir" "$mb"' EXIT

# The first fetch after seeding builds Dovecot's cache: warm it, then measure.
python3 tests/bench/raw_fetch.py localhost "$IMAP_PORT" bench@inkorg.test "$CA_FILE" >/dev/null
raw=$(python3 tests/bench/raw_fetch.py localhost "$IMAP_PORT" bench@inkorg.test "$CA_FILE" | cut -d' ' -f1)
"$CLI" --data-dir "$dir" login --email bench@inkorg.test --imap-host localhost --imap-port "$IMAP_PORT" \
  --smtp-host localhost --smtp-port "$SMTP_PORT" --ca-file "$CA_FILE" >/dev/null
full=$("$CLI" --data-dir "$dir" sync | engine_s)
# A fresh process pays the TLS setup (the OS's CA bundle, about 50 ms) once; the app keeps
# its process, so the no-op is measured in one process: the first run, then the median of 5.
mapfile -t runs < <("$CLI" --data-dir "$dir" sync --repeat 6 | engine_s)
first=${runs[0]}
noop=("${runs[@]:1}")
stored=$("$CLI" --data-dir "$dir" status | awk '/folder: +INBOX/ {print $3}')

# 200 flag changes, 50 expunges and 20 new messages on the server, then one resync.
uids=$(bash "$MS" dump bench | awk -F'\t' '$1 == "INBOX" {print $2}' | sort -n)
# A keyword of this run's own, so that a rerun on the same mailbox changes 200 flags too.
bash "$MS" flag bench "$(echo "$uids" | sed -n '1000,1199p' | paste -sd, -)" "Bench$(date +%s)"
bash "$MS" expunge bench "$(echo "$uids" | sed -n '5000,5049p' | paste -sd, -)"
# New mail through Postfix and LMTP, as it arrives for real (seeding writes Maildir files
# behind Dovecot's back, and the next SELECT would then rescan 100,000 files).
for i in $(seq 20); do bash "$MS" deliver bench "Bench change $i" >/dev/null; done
changed=$("$CLI" --data-dir "$dir" sync)

n=$(printf '%s\n' "${noop[@]}" | median)
echo
echo "header sync of $LARGE messages over IMAPS (Inkorg stored $stored)"
printf '  raw UID FETCH 1:* (one command, no parsing):   %.3f s\n' "$raw"
printf '  inkorg sync, timed inside the engine:         %.3f s (%.2fx raw; goal: at most 1.2x)\n' \
  "$full" "$(echo "$full / $raw" | bc -l)"
printf '  no-op resync (QRESYNC), median of 5:          %.3f s (goal: at most 0.05 s; in one process,\n' "$n"
printf '    as the app runs; the first in a new process: %.3f s)\n' "$first"
printf '  after 200 flag changes, 50 expunges, 20 new:  %.3f s (goal: at most 0.1 s; a new process,\n' \
  "$(echo "$changed" | engine_s)"
printf '    so with the TLS setup the no-op in one process does not pay)\n'
echo "$changed" | grep -m1 'INBOX' | sed 's/^/    /' || true

# mbsync on the same mailbox: a full sync into a Maildir (whole messages), then its no-op.
mkdir -p "$mb/mail"
cat >"$mb/mbsyncrc" <<MBSYNC
IMAPAccount bench
Host localhost
Port $IMAP_PORT
User bench@inkorg.test
Pass $MAIL_PASSWORD
SSLType IMAPS
CertificateFile $CA_FILE
SystemCertificates no

IMAPStore far
Account bench

MaildirStore near
Path $mb/mail/
Inbox $mb/mail/INBOX

Channel bench
Far :far:
Near :near:
Patterns INBOX
Create Near
Sync Pull
SyncState *
MBSYNC
s=$(now); mbsync -c "$mb/mbsyncrc" -q bench; e=$(now)
mbfull=$(echo "$e - $s" | bc -l)
mbnoop=()
for _ in 1 2 3; do
  s=$(now); mbsync -c "$mb/mbsyncrc" -q bench; e=$(now)
  mbnoop+=("$(echo "$e - $s" | bc -l)")
done
m=$(printf '%s\n' "${mbnoop[@]}" | median)
printf '  mbsync full sync (whole messages, for scale): %.1f s\n' "$mbfull"
printf '  mbsync no-op resync, median of 3:             %.3f s (Inkorg no-op / mbsync no-op: %.2fx)\n' \
  "$m" "$(echo "$n / $m" | bc -l)"

python3 tests/bench/push_latency.py "$CLI" "$dir" "$MS" bench 5
"$CLI" --data-dir "$dir" logout >/dev/null
