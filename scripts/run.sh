#!/usr/bin/env bash
# Start greenloop: set up, create/upgrade the database, deploy the shipped diagrams, seed demo
# data (idempotent), then run the web app with its in-process timer worker.
# Extra arguments go to `greenloop run`, e.g. ./scripts/run.sh --host 0.0.0.0 --port 8080
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash "$ROOT/scripts/setup.sh"

export GREENLOOP_DATA_DIR="${GREENLOOP_DATA_DIR:-$ROOT/instance}"
mkdir -p "$GREENLOOP_DATA_DIR"

GL="$ROOT/.venv/bin/greenloop"
echo "run: data directory $GREENLOOP_DATA_DIR"
"$GL" init-db
"$GL" deploy
"$GL" demo
exec "$GL" run "$@"
