"""CSV the app writes is opened in Excel or WPS, which run a cell that begins with = + - @ (or a
tab or carriage return before one) as a formula: a grid name typed as
``=HYPERLINK("http://…","点击")`` would become a live link in an administrator's spreadsheet
(CSV/formula injection). Every CSV export goes through ``writer`` here, which puts a single
quote before such a cell, as OWASP advises; spreadsheets show the cell as the text it is.

``unguard`` undoes it when a file we wrote comes back as an import, so an export imports back
unchanged. The rule is exact both ways: a cell is guarded when, after any leading quotes, it
begins with a trigger character, so a name that itself begins with a quote followed by a
trigger gains one more quote and loses exactly that one on the way back.

(defusedcsv on PyPI does the writing half, but misses tab and carriage return, rewrites "|"
inside the cell, and has no inverse for the round trip.)
"""
from __future__ import annotations

import csv
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _needs_guard(text: str) -> bool:
    return text.lstrip("'").startswith(TRIGGERS)


def guard(value: Any) -> Any:
    """The cell as written to a CSV file: numbers stay numbers, text that a spreadsheet would
    run as a formula gets a leading single quote."""
    if isinstance(value, str) and _needs_guard(value):
        return "'" + value
    return value


def unguard(text: str) -> str:
    """The cell as it was before ``guard`` (a cell ``guard`` left alone comes back as it is)."""
    if text.startswith("'") and _needs_guard(text[1:]):
        return text[1:]
    return text


class _GuardedWriter:
    def __init__(self, inner):
        self._inner = inner

    def writerow(self, row):
        return self._inner.writerow([guard(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **fmtparams) -> _GuardedWriter:
    """``csv.writer`` whose every cell passes through ``guard``."""
    return _GuardedWriter(csv.writer(out, **fmtparams))
