"""The ledger as an Excel workbook, streamed: XlsxWriter builds the workbook (styles, the header
rows, the summary sheet) and the data rows, written once per sheet as they are read in keyset
batches, go through temporary files into it (engine/ledger/sheet_rows.py says why), so 100,000
rows cost no more memory than ten.

Sheets: 台账 (every row), 汇总 (the measures of the period, from engine/measures), then one sheet
per town with rows, in town-code order, and 无乡镇 for cases without one. Every data sheet has
the Chinese header row frozen with an autofilter, and each row is filled in its colour.

Text is written as text, never as a formula: the workbook is told not to read "=…" as one, data
cells are inline strings, and a cell a spreadsheet would run (engine/core/spreadsheet.guard:
= + - @ tab CR) also carries Excel's quote prefix, so it stays text even when someone edits it.
The value itself is unchanged.
"""
from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.spreadsheet import TRIGGERS, guard
from engine.ledger.columns import COLUMNS, FILLS, HEADERS
from engine.ledger.filters import LedgerFilters
from engine.ledger.rows import NO_TOWN, LedgerScope, iter_rows, town_counts
from engine.ledger.sheet_rows import CellXml, SheetRows, column_letters, splice
from engine.ledger.summary import summary_blocks
from engine.measures import Period
from engine.models import COLOURS, Grid

LEDGER_SHEET = "台账"
SUMMARY_SHEET = "汇总"
NO_TOWN_SHEET = "无乡镇"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\']")

Progress = Callable[[int, int], None]


def sheet_name(name: str, taken: set[str]) -> str:
    """An Excel sheet name (≤ 31 characters, none of []:*?/\\ '), unique in the workbook."""
    base = _SHEET_NAME_BAD.sub("_", name).strip() or "Sheet"
    candidate, n = base[:31], 1
    while candidate in taken:
        n += 1
        suffix = f"({n})"
        candidate = base[:31 - len(suffix)] + suffix
    taken.add(candidate)
    return candidate


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        border = {"border": 1, "border_color": "#BFBFBF", "valign": "top"}
        self.header = book.add_format({**border, "bold": True, "bg_color": "#D9D9D9", "text_wrap": True})
        self.text, self.quoted, self.when = {}, {}, {}
        for colour in COLOURS:
            fill = {**border, "bg_color": FILLS[colour], "pattern": 1}
            self.text[colour] = book.add_format(fill)
            self.quoted[colour] = book.add_format({**fill, "quote_prefix": True})
            self.when[colour] = book.add_format({**fill, "num_format": DATETIME_FORMAT})
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.bold = book.add_format({"bold": True})
        self.cell = book.add_format(border)
        self.percent = book.add_format({**border, "num_format": "0.0%"})


class _DataSheet:
    """One sheet of rows: header, widths, frozen header and autofilter from XlsxWriter; its rows
    through sheet_rows.SheetRows."""

    def __init__(self, book, name: str, rows: int, formats: _Formats, folder: str):
        # XlsxWriter names a workbook's sheets' files by the order they are added in.
        part = f"xl/worksheets/sheet{len(book.worksheets()) + 1}.xml"
        self.sheet = book.add_worksheet(name)
        for i, column in enumerate(COLUMNS, start=1):
            self.sheet.set_column(i, i, column.width)
        self.sheet.set_column(0, 0, 7)
        self.sheet.freeze_panes(1, 0)
        self.sheet.write_string(0, 0, "序号", formats.header)
        for i, header in enumerate(HEADERS, start=1):
            self.sheet.write_string(0, i, header, formats.header)
        self.sheet.autofilter(0, 0, max(rows, 1), len(HEADERS))
        self.rows = SheetRows(part, folder)


class _Styles:
    """The style index of each colour's formats, for the rows written past XlsxWriter's cells.
    ``Format._get_xf_index`` is how XlsxWriter itself numbers a format when a cell uses it; every
    one is numbered here, before the workbook is closed, so styles.xml lists them all."""

    def __init__(self, formats: _Formats):
        self.text = {c: f._get_xf_index() for c, f in formats.text.items()}
        self.quoted = {c: f._get_xf_index() for c, f in formats.quoted.items()}
        self.when = {c: f._get_xf_index() for c, f in formats.when.items()}


# A text can need the quote prefix only if it begins with a quote or a trigger (most never do).
_MAY_NEED_QUOTE = frozenset("'" + "".join(TRIGGERS))


def _needs_quote(text: str) -> bool:
    return text[0] in _MAY_NEED_QUOTE and guard(text) != text


def write_ledger_xlsx(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
                      out_file: str | Path | BinaryIO, *, tz: str | ZoneInfo, generated_at: datetime,
                      progress: Progress | None = None, tmpdir: str | Path | None = None) -> int:
    """Write the ledger of ``period`` to ``out_file`` (a path or a binary file); returns the rows
    written. ``progress(written, total)`` is called after each batch of rows (and once at 0)."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    counts = town_counts(session, period, filters, scope, zone)
    total = sum(counts.values())
    if progress:
        progress(0, total)
    with tempfile.TemporaryDirectory(prefix="ledger-", dir=tmpdir) as work:
        book_path = Path(work) / "book.xlsx"
        book = xlsxwriter.Workbook(str(book_path), {"strings_to_formulas": False, "strings_to_urls": False,
                                                    "strings_to_numbers": False, "tmpdir": work})
        sheets: list[_DataSheet] = []
        try:
            formats = _Formats(book)
            styles = _Styles(formats)
            taken = {LEDGER_SHEET, SUMMARY_SHEET}
            ledger = _DataSheet(book, LEDGER_SHEET, total, formats, work)
            sheets.append(ledger)
            summary = book.add_worksheet(SUMMARY_SHEET)
            names = dict(session.execute(select(Grid.code, Grid.name).where(Grid.level == "town")).all())
            towns: dict[str, _DataSheet] = {}
            for code in sorted(c for c in counts if c != NO_TOWN):
                towns[code] = _DataSheet(book, sheet_name(names.get(code, code), taken), counts[code], formats, work)
            if counts.get(NO_TOWN):
                towns[NO_TOWN] = _DataSheet(book, sheet_name(NO_TOWN_SHEET, taken), counts[NO_TOWN], formats, work)
            sheets.extend(towns.values())
            _write_summary(summary, formats, summary_blocks(session, period, filters, scope, zone, generated_at))
            ledger.sheet.activate()
        finally:
            book.close()

        written = 0

        def batch_done(_n: int) -> None:
            if progress and written:
                progress(written, total)

        cells = CellXml(1, len(COLUMNS))
        try:
            for row in iter_rows(session, period, filters, scope, tz=zone, on_batch=batch_done):
                colour = row.colour if row.colour in FILLS else "blue"
                xml = cells.row([column.value(row, zone) for column in COLUMNS], text=styles.text[colour],
                                quoted=styles.quoted[colour], when=styles.when[colour], needs_quote=_needs_quote)
                ledger.rows.add(xml, styles.text[colour])
                towns[row.town_code or NO_TOWN].rows.add(xml, styles.text[colour])
                written += 1
            splice(book_path, out_file, [s.rows for s in sheets], column_letters(len(COLUMNS)))
        finally:
            for sheet in sheets:
                sheet.rows.remove()
    if progress:
        progress(written, total)
    return written


def _write_summary(sheet, formats: _Formats, blocks) -> None:
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 12, 14)
    line = 0
    for block in blocks:
        if block.title:
            sheet.write_string(line, 0, block.title, formats.title if line == 0 else formats.bold)
            line += 1
        if block.header:
            for i, text in enumerate(block.header):
                sheet.write_string(line, i, text, formats.header)
            line += 1
        for cells in block.rows:
            for i, value in enumerate(cells):
                if value is None:
                    sheet.write_blank(line, i, None, formats.cell)
                elif isinstance(value, float) and block.percent_columns and i in block.percent_columns:
                    sheet.write_number(line, i, value, formats.percent)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    sheet.write_number(line, i, value, formats.cell)
                else:
                    text = str(value)
                    sheet.write_string(line, i, text, formats.cell)
            line += 1
        line += 1
