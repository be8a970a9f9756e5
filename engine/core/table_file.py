"""Reading an uploaded table for the administrators' importers (grids, the enterprise register,
patrol points): the encodings Excel saves CSV in, the delimiter, the header found by aliases, the
required columns and the row limit — one reader, so every importer refuses a file for the same
reasons. Each importer turns a ``TableRefused`` into its own wording."""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping

from engine.core import spreadsheet
from engine.core.text import UnsafeText, clean_text


class TableRefused(Exception):
    """The file as a whole cannot be read: ``code`` (file_encoding, header_missing, too_many_rows,
    file_empty, file_no_rows) and its ``params``."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding name); UnicodeDecodeError when it is none of the encodings we read."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(name), name
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("gb18030"), "gb18030"


def csv_cells(raw: bytes) -> tuple[str, list[tuple[int, list[str]]]]:
    """(encoding, [(first line of the row, its cells)]). A cell our export guarded against formula
    injection (engine/core/spreadsheet.py) comes back as it was, so an export imports back unchanged."""
    try:
        text, encoding = decode(raw)
        # A NUL means a binary file, or UTF-16 without its byte-order mark read as UTF-8; bidi and
        # other control characters are removed (engine/core/text.py).
        text = clean_text(text)
    except (UnicodeDecodeError, UnsafeText) as err:
        raise TableRefused("file_encoding") from err
    first = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t" if "\t" in first and "," not in first else ",")
    rows, line = [], 0
    for cells in reader:
        start, line = line + 1, reader.line_num
        rows.append((start, [spreadsheet.unguard(c.strip()).strip() for c in cells]))
    return encoding, rows


def header_key(aliases: Mapping[str, str]) -> Callable[[object], str]:
    """The column a header cell names, by ``aliases`` (spaces and case ignored), or ""."""
    return lambda cell: aliases.get(re.sub(r"\s+", "", str(cell or "").strip().lstrip("\ufeff")).lower(), "")


def records(rows: Iterable[tuple[int, list]], aliases: Mapping[str, str], required: Iterable[str],
            max_rows: int) -> list[tuple[int, dict]]:
    """[(line, {column: value})] under the first non-empty row, which is the header."""
    key = header_key(aliases)
    header, found = None, []
    for line, cells in rows:
        if not any(str(c).strip() for c in cells):
            continue
        if header is None:
            header = {key(c): i for i, c in reversed(list(enumerate(cells))) if key(c)}
            missing = [c for c in required if c not in header]
            if missing:
                raise TableRefused("header_missing", columns=missing, line=line)
            continue
        if len(found) >= max_rows:
            raise TableRefused("too_many_rows", n=max_rows)
        found.append((line, {k: cells[i] if i < len(cells) else "" for k, i in header.items()}))
    if header is None:
        raise TableRefused("file_empty")
    if not found:
        raise TableRefused("file_no_rows")
    return found
