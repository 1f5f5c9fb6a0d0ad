#!/usr/bin/env bash
# Installs what is missing, checks formatting and lints, starts the local mail servers and
# runs every test against them with a private Secret Service.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
install_missing
use_target_dir

say "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

say "local mail servers"
tests/mailserver/start >/dev/null
trap 'tests/mailserver/stop' EXIT

say "tests (unit, and against Dovecot, Postfix and gnome-keyring)"
export INKORG_TEST_SERVERS=1
with_keyring cargo test --workspace --locked --no-fail-fast
