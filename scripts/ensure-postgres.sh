#!/usr/bin/env bash
# Print a PostgreSQL URL the tests can use, starting the local cluster if it is down.
# Prints nothing when no server can be reached (the PostgreSQL tests are then skipped).
set -u
url="${1:-postgresql+psycopg://postgres@localhost:5432/test}"
libpq="${url/postgresql+psycopg/postgresql}"

answers() { pg_isready -q -d "$libpq" 2>/dev/null || psql "$libpq" -qAtc 'select 1' >/dev/null 2>&1; }

if ! answers; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
    [ -n "$version" ] && pg_ctlcluster --skip-systemctl-redirect "$version" main start >/dev/null 2>&1
    for _ in $(seq 1 20); do answers && break; sleep 0.5; done
  fi
fi
if ! answers; then
  exit 0
fi
# The tests create a database per test from a template: the role needs CREATEDB.
if ! psql "$libpq" -qAtc 'select 1' >/dev/null 2>&1; then
  exit 0
fi
echo "$url"
