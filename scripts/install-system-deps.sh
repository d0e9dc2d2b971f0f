#!/bin/sh
# Debian packages the project needs beyond Python: WeasyPrint's libraries and poppler (PDF
# reports and their checks), Chromium (Playwright drives it through executable_path in the
# browser tests), a small CJK font so pages in Chinese render as text, not boxes, and the
# PostgreSQL server (the alerts tests restart a throwaway cluster of their own with it).
# Idempotent and quiet: installs only what is missing, runs `apt-get update` once first.
set -eu

PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils
chromium fonts-wqy-microhei postgresql"

missing=""
for package in $PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $package" ;;
    esac
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: apt-get not found; install:$missing" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "install-system-deps: run as root to install:$missing" >&2
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
    echo "install-system-deps: could not install:$missing" >&2
    exit 1
fi
echo "install-system-deps: installed$missing"
