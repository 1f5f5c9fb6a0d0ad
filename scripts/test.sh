#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting, lints, the UI's type
# check and unit tests, the Rust tests (unit, command dispatch, and against Dovecot, Postfix and
# gnome-keyring) and a check that the generated TypeScript bindings are current.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
install_missing
install_app_deps
use_target_dir

say "UI: build, type check, unit tests"
build_ui
(cd ui && npm run check --silent && npx vitest run)

say "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

say "local mail servers"
tests/mailserver/start >/dev/null
trap 'tests/mailserver/stop' EXIT

say "Rust tests (unit, commands, and against Dovecot, Postfix and gnome-keyring)"
export INKORG_TEST_SERVERS=1
with_keyring cargo test --workspace --locked --no-fail-fast

say "generated TypeScript bindings are current"
if ! git diff --quiet -- ui/src/bindings || [ -n "$(git ls-files --others --exclude-standard ui/src/bindings)" ]; then
  git status --short ui/src/bindings >&2
  echo "ui/src/bindings changed: run 'cargo test -p inkorg' and commit them" >&2
  exit 1
fi

# The end-to-end suite (scripts/e2e.sh) is not part of this command yet: its WebDriver session
# hangs when the app runs inside the private D-Bus session that the keyring needs (see the
# issue's closing note). Run it by hand with: bash scripts/e2e.sh
