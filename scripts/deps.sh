#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Sluicegate needs from
# the system's package manager. On Debian/Ubuntu it installs only the
# missing apt packages (with sudo when not root) and does nothing when all
# are present; elsewhere it says what to install. --headless asks only for
# what the headless build needs (a C compiler for SQLite; no GTK/WebKit).
set -euo pipefail

build_pkgs=(libgtk-3-dev libwebkit2gtk-4.1-dev pkg-config build-essential)
# Xvfb + ImageMagick + xdotool drive the real desktop window in the smoke
# test (dbus for their private session bus: single instance, tray,
# notifications; desktop-file-utils validates the autostart entry);
# Debian's Chromium runs the Playwright end-to-end tests.
test_pkgs=(xvfb xauth imagemagick xdotool chromium dbus desktop-file-utils)

pkgs=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=("${test_pkgs[@]}")
fi
# desktop-file-utils and appstream validate what the .deb installs.
package_test_pkgs=(desktop-file-utils appstream)
case "${1:-}" in
  --test) pkgs+=("${package_test_pkgs[@]}") ;;
  --headless) pkgs=(build-essential) ;;
  "") ;;
  *) echo "deps: unknown option $1 (use --test or --headless)" >&2; exit 2 ;;
esac

need_cmd() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "deps: '$1' is not installed: $2" >&2
    exit 1
  fi
}
need_cmd go "install Go 1.26 or newer (https://go.dev/doc/install)"
need_cmd npm "install Node.js 20.19+ with npm"

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: not a Debian/Ubuntu system; install these yourself (names as on Debian):" >&2
  echo "  ${pkgs[*]}" >&2
  if [[ "${1:-}" == "--headless" ]]; then
    echo "  (a C compiler)" >&2
  else
    echo "  (GTK 3 and WebKitGTK 4.1 development files, pkg-config, a C compiler${1:+, Xvfb, ImageMagick, xdotool, Chromium, desktop-file-utils, appstream})" >&2
  fi
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  if [[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != "installed" ]]; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  need_cmd sudo "run as root or install sudo to install: ${missing[*]}"
  sudo=(sudo)
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}"
