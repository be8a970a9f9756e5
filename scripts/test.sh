#!/usr/bin/env bash
# Install everything (scripts/setup.sh) and run the whole test suite.
# Arguments go to pytest, e.g. ./scripts/test.sh -q -k calendar
# With GREENLOOP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/greenloop_test
# the tests also run against PostgreSQL.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash "$ROOT/scripts/setup.sh"

PYTEST=("$ROOT/.venv/bin/python" -m pytest)

if [ -z "${GREENLOOP_TEST_DATABASE_URL:-}" ] || [ "${GREENLOOP_TEST_SERIAL:-0}" = "1" ]; then
    [ -n "${GREENLOOP_TEST_DATABASE_URL:-}" ] && echo "test: also on PostgreSQL (GREENLOOP_TEST_DATABASE_URL is set)"
    set +e
    "${PYTEST[@]}" "$@"
    rc=$?
    set -e
    exit "$rc"
fi

# With PostgreSQL configured the suite runs as two pytest processes at once, one per core: the
# PostgreSQL half (its output kept in a file and shown after) and the SQLite half with everything
# that needs no database (tests/conftest.py, GREENLOOP_TEST_PART). GREENLOOP_TEST_SERIAL=1 runs one.
echo "test: SQLite and PostgreSQL halves in parallel (GREENLOOP_TEST_SERIAL=1 runs them in one process)"
pg_log="$(mktemp "${TMPDIR:-/tmp}/greenloop-test-postgres.XXXXXX")"
GREENLOOP_TEST_PART=postgres "${PYTEST[@]}" -o cache_dir=.pytest_cache/postgres "$@" >"$pg_log" 2>&1 &
pg_pid=$!
trap 'kill "$pg_pid" 2>/dev/null || true' INT TERM

set +e
GREENLOOP_TEST_PART=sqlite "${PYTEST[@]}" "$@"
rc_sqlite=$?
wait "$pg_pid"
rc_pg=$?
set -e

echo
echo "test: ===== PostgreSQL half (exit $rc_pg) ====="
cat "$pg_log"
rm -f "$pg_log"
echo "test: SQLite half exit $rc_sqlite, PostgreSQL half exit $rc_pg"

# 5 = no test collected: fine for one half (a -k that matches only one side), not for both.
if [ "$rc_sqlite" = 5 ] && [ "$rc_pg" = 5 ]; then exit 5; fi
[ "$rc_sqlite" = 5 ] && rc_sqlite=0
[ "$rc_pg" = 5 ] && rc_pg=0
if [ "$rc_sqlite" != 0 ]; then exit "$rc_sqlite"; fi
exit "$rc_pg"
