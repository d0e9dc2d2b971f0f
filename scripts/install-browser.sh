#!/bin/sh
# Debian's Chromium for the browser tests (Playwright drives it through executable_path), and a
# small CJK font so that pages in Chinese render (and screenshot) as text, not boxes.
# Idempotent and quiet: installs only what is missing, runs `apt-get update` once first.
set -eu

missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
status=$(dpkg-query -W -f='${Status}' fonts-wqy-microhei 2>/dev/null || true)
case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing fonts-wqy-microhei" ;;
esac
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: apt-get not found; install:$missing" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-browser: run as root to install:$missing" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# shellcheck disable=SC2086  # the list is meant to split into words
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $missing; } \
    >"$log" 2>&1; then
    cat "$log" >&2
    echo "install-browser: could not install:$missing" >&2
    exit 1
fi
echo "install-browser: installed$missing"
