#!/usr/bin/env bash
# Refresh the translation catalogue after changing visible strings: extracts every _() string
# from webapp/ and every N_() word and sentence of engine/vocabulary/, and merges them into the
# English catalogue (Chinese is the source language).
# Then fill in the empty msgstr lines (tests/web/test_i18n.py fails while any is empty); scripts/setup.sh
# compiles the catalogue into the messages.mo the app reads.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
.venv/bin/pybabel extract -F webapp/babel.cfg -k _l -k N_ -o webapp/translations/messages.pot --no-location --omit-header .
if [ -f webapp/translations/en/LC_MESSAGES/messages.po ]; then
  .venv/bin/pybabel update -i webapp/translations/messages.pot -d webapp/translations -l en --no-fuzzy-matching --ignore-obsolete --omit-header
else
  .venv/bin/pybabel init -i webapp/translations/messages.pot -d webapp/translations -l en
fi
