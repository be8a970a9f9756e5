#!/usr/bin/env bash
# Install everything (scripts/setup.sh) and run the whole test suite.
# Arguments go to pytest, e.g. ./scripts/test.sh -q -k calendar
# With GREENLOOP_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/greenloop_test
# the tests also run against PostgreSQL.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash "$ROOT/scripts/setup.sh"

if [ -n "${GREENLOOP_TEST_DATABASE_URL:-}" ]; then
    echo "test: also on PostgreSQL (GREENLOOP_TEST_DATABASE_URL is set)"
fi

set +e
"$ROOT/.venv/bin/python" -m pytest "$@"
rc=$?
set -e
exit "$rc"
