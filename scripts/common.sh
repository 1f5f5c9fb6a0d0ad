# Shared by run.sh, test.sh and bench.sh: install what is missing, pick the cargo target dir,
# and run a command with a private, unlocked Secret Service (gnome-keyring) when needed.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf '\n== %s\n' "$*" >&2; }

# Debian packages the build and the tests need (the mail servers install their own).
DEB_PACKAGES=(build-essential pkg-config libssl-dev libdbus-1-dev gnome-keyring dbus-x11 openssl python3 ca-certificates
  dnsmasq-base)

# apt_install PKG...: installs those of the packages that are not installed yet.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  say "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_missing() {
  apt_install "${DEB_PACKAGES[@]}"
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null || {
    echo "Rust is missing: install it with rustup (https://rustup.rs), then run this again" >&2
    exit 1
  }
}

# One target directory across builds and sessions: a full build takes minutes on 2 cores.
use_target_dir() {
  if [ -z "${CARGO_TARGET_DIR:-}" ]; then
    export CARGO_TARGET_DIR="$HOME/.cache/inkorg-target"
    mkdir -p "$CARGO_TARGET_DIR"
  fi
}

# Runs "$@" with a Secret Service. Tests always get a private, throw-away keyring (so they
# never touch the person's own); with a desktop session already running, `--desktop` uses it.
with_keyring() {
  if [ "${1:-}" = --desktop ]; then
    shift
    if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ]; then "$@"; return; fi
  fi
  local kdir
  kdir=$(mktemp -d)
  XDG_DATA_HOME="$kdir" dbus-run-session -- bash -c '
    printf "inkorg-test" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
    exec "$@"' bash "$@" 2> >(grep -v "Failed to set fd limit" >&2)
  local rc=$?
  rm -rf "$kdir"
  return $rc
}

# What the desktop app and its tests need beyond the engine: WebKitGTK and friends, the
# WebDriver pieces, Node packages for the UI.
APP_DEB_PACKAGES=(libwebkit2gtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev libsoup-3.0-dev
  webkit2gtk-driver xvfb xauth imagemagick libsecret-tools xdg-utils python3-gi gir1.2-glib-2.0 xdotool)

install_app_deps() {
  apt_install "${APP_DEB_PACKAGES[@]}"
  command -v node >/dev/null || apt_install nodejs npm
  if ! command -v tauri-driver >/dev/null; then
    [ -x "$HOME/.cargo/bin/tauri-driver" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v tauri-driver >/dev/null || { say "installing tauri-driver"; cargo install tauri-driver --locked --quiet; }
  if [ ! -d "$ROOT/ui/node_modules" ] || [ "$ROOT/ui/package-lock.json" -nt "$ROOT/ui/node_modules/.package-lock.json" ]; then
    say "installing the UI's Node packages"
    (cd "$ROOT/ui" && npm ci --no-fund --no-audit --loglevel=error)
  fi
}

# The UI must be built before Rust compiles the shell: tauri embeds ui/dist.
build_ui() {
  (cd "$ROOT/ui" && npm run build --silent >/dev/null)
}
