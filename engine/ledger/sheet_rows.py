"""The data rows of the ledger's sheets, written as SpreadsheetML text into the workbook that
XlsxWriter built around them.

Why not XlsxWriter's own cells: a 100,000-row ledger is 4.4 million cells (each row on the
ledger sheet and on its town's sheet, 22 columns), and XlsxWriter spends 10-20 µs on each one
here (its checks, a cell object, XML written attribute by attribute): well over a minute. Here a
row's cells are turned into XML once, with a mark where the row number goes, and each sheet
that holds the row writes it with its own number: about 1 µs a cell. XlsxWriter still makes
everything else (styles, the header rows, frozen panes, autofilters, column widths, the summary
sheet); ``splice`` puts each sheet's rows into its ``<sheetData>``.

Each sheet's rows go to a temporary file as they come (one pass over the cases, newest first,
whatever their town), so memory stays flat however long the ledger. Text is an inline string,
never a formula; characters XML cannot hold are written as Excel's ``_xHHHH_`` escapes.
"""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

# Where a row's number goes in its cells' XML (never in a value: control characters are escaped).
MARK = "\x00"
_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (1900 date system)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def column_letters(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Most of a ledger's text repeats (towns, departments, stages, colours…): each is escaped once.
@lru_cache(maxsize=4096)
def _inline(value: str) -> str:
    """The end of a text cell after its style: the text as an inline string."""
    if _NOT_XML.search(value):
        value = _NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if value[0].isspace() or value[-1].isspace():
        return f'" t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>'
    return f'" t="inlineStr"><is><t>{value}</t></is></c>'


class CellXml:
    """The cells of a row as XML with ``MARK`` for the row number, in one style per kind of
    cell (the XlsxWriter formats' style indices): ``text``, ``quoted`` (Excel's quote prefix:
    text a spreadsheet would otherwise run, engine/core/spreadsheet.guard) and ``when``
    (a date and time)."""

    def __init__(self, first_column: int, columns: int):
        self.opens = [f'<c r="{column_letters(first_column + i)}{MARK}" s="' for i in range(columns)]

    def row(self, values, *, text: int, quoted: int, when: int, needs_quote) -> str:
        parts = []
        add = parts.append
        blank = f'{text}"/>'
        for open_, value in zip(self.opens, values, strict=True):
            kind = type(value)
            if kind is not str:
                if value is None:
                    add(open_ + blank)
                    continue
                if kind is datetime:
                    add(f'{open_}{when}"><v>{(value - _EPOCH).total_seconds() / 86400!r}</v></c>')
                    continue
                if kind is int or kind is float:
                    add(f'{open_}{text}"><v>{value!r}</v></c>')
                    continue
                value = str(value)
            if not value:
                add(open_ + blank)
            else:
                add(f"{open_}{quoted if needs_quote(value) else text}{_inline(value)}")
        return "".join(parts)


class SheetRows:
    """The rows of one data sheet, in a temporary file in ``folder``: row 1 is the header
    XlsxWriter writes, so the first row here is row 2, its first cell its number (序号)."""

    def __init__(self, part: str, folder: str | Path):
        self.part = part  # the sheet's file in the workbook, e.g. xl/worksheets/sheet3.xml
        handle, self.path = tempfile.mkstemp(suffix=".xml", dir=folder)
        self.file = open(handle, "w", encoding="utf-8", buffering=1 << 16)  # noqa: SIM115 - closed by close()
        self.next = 2

    def add(self, cells: str, style: int) -> None:
        n = self.next
        self.file.write(f'<row r="{n}"><c r="A{n}" s="{style}"><v>{n - 1}</v></c>{cells.replace(MARK, str(n))}</row>')
        self.next = n + 1

    def close(self) -> None:
        self.file.close()

    def remove(self) -> None:
        self.file.close()
        Path(self.path).unlink(missing_ok=True)


def splice(book: Path, out_file: str | Path | BinaryIO, sheets: list[SheetRows], last_column: str) -> None:
    """Copy the workbook ``book`` to ``out_file``, each of ``sheets`` with its rows after its
    header row (and its dimension covering them)."""
    by_part = {rows.part: rows for rows in sheets}
    target = str(out_file) if isinstance(out_file, Path) else out_file
    # Level 1: most of the file is these rows' repetitive XML, which it shrinks nearly as well as
    # the default level, several times faster.
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            rows = by_part.get(info.filename)
            if rows is None:
                dst.writestr(info.filename, data)
                continue
            rows.close()
            head, tail = data.split(b"</sheetData>", 1)
            head = _DIMENSION.sub(f'<dimension ref="A1:{last_column}{max(rows.next - 1, 1)}"/>'.encode(), head, 1)
            with dst.open(info.filename, "w", force_zip64=True) as part, open(rows.path, "rb") as body:
                part.write(head)
                shutil.copyfileobj(body, part, 1 << 20)
                part.write(b"</sheetData>" + tail)
