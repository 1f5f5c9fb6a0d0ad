#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting, lints, the UI's type
# check and unit tests, the Rust tests (unit, command dispatch, and against Dovecot, Postfix,
# gnome-keyring, the scripted provider answers and, as root, the simulated internet), a check
# that the generated TypeScript bindings are current, and the end-to-end suite.
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
trap 'tests/provider-answers/responder.sh stop; tests/mailserver/stop' EXIT

if [ "$(id -u)" = 0 ]; then
  say "a simulated internet for autodetection (DNS, web and mail hosts on 127.0.x.x)"
  SIMNET_ENV=$(tests/simnet/simnet.sh start)
  set -a; eval "$SIMNET_ENV"; set +a
  export INKORG_TEST_SIMNET=1
  trap 'tests/provider-answers/responder.sh stop; tests/simnet/simnet.sh stop; tests/mailserver/stop' EXIT
else
  say "not root: the autodetection tests against the simulated internet are skipped"
fi

say "Rust tests (unit, commands, and against Dovecot, Postfix, gnome-keyring and the simulated internet)"
export INKORG_TEST_SERVERS=1
with_keyring cargo test --workspace --locked --no-fail-fast

say "the reader's corpus against an independent MIME decoder (Python's email package)"
python3 tests/corpus/check_corpus.py

say "generated TypeScript bindings are current"
if ! git diff --quiet -- ui/src/bindings || [ -n "$(git ls-files --others --exclude-standard ui/src/bindings)" ]; then
  git status --short ui/src/bindings >&2
  echo "ui/src/bindings changed: run 'cargo test -p inkorg' and commit them" >&2
  exit 1
fi

say "end to end: the real app in WebKit under Xvfb (screenshots in tests/e2e/screenshots/)"
bash scripts/e2e.sh
