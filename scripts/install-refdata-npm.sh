#!/bin/sh
# The npm packages `autoatlas refdata build` reads, pinned, into a folder of the project
# (default build/refdata-npm). Quiet and idempotent; skipped with a note when npm is absent
# (the tests that compare the bundles with these packages then skip, saying why).
set -eu
dir="${1:-build/refdata-npm}"
if ! command -v npm >/dev/null 2>&1; then
    echo "install-refdata-npm: npm not found; the package-agreement tests will skip" >&2
    exit 0
fi
if [ -f "$dir/node_modules/cldr-core/package.json" ] && \
   [ -f "$dir/node_modules/@rapideditor/country-coder/package.json" ]; then
    exit 0
fi
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --silent \
    cldr-core@48.2.0 @rapideditor/country-coder@5.6.1
