"""The ledger as an Excel workbook, written as a stream (XlsxWriter in constant-memory mode: each
row goes to a temporary file as it is written, so 100,000 rows cost no more memory than ten).

Sheets: 台账 (every row), 汇总 (the measures of the period, from engine/measures), then one sheet
per town with rows, in town-code order, and 无乡镇 for cases without one. Every data sheet has
the Chinese header row frozen with an autofilter, and each row is filled in its colour.

Text is written as text, never as a formula: the workbook is told not to read "=…" as one, and a
cell a spreadsheet would run (engine/core/spreadsheet.guard: = + - @ tab CR) also carries
Excel's quote prefix, so it stays text even when someone edits it. The value itself is unchanged.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.spreadsheet import guard
from engine.ledger.columns import COLUMNS, FILLS, HEADERS
from engine.ledger.filters import LedgerFilters
from engine.ledger.rows import NO_TOWN, LedgerRow, LedgerScope, iter_rows, town_counts
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
    """One sheet of rows: header, widths, frozen header and autofilter set before any row."""

    def __init__(self, book, name: str, rows: int, formats: _Formats):
        self.sheet = book.add_worksheet(name)
        self.formats = formats
        for i, column in enumerate(COLUMNS, start=1):
            self.sheet.set_column(i, i, column.width)
        self.sheet.set_column(0, 0, 7)
        self.sheet.freeze_panes(1, 0)
        self.sheet.write_string(0, 0, "序号", formats.header)
        for i, header in enumerate(HEADERS, start=1):
            self.sheet.write_string(0, i, header, formats.header)
        self.sheet.autofilter(0, 0, max(rows, 1), len(HEADERS))
        self.next = 1

    def write(self, row: LedgerRow, values: list) -> None:
        colour = row.colour if row.colour in FILLS else "blue"
        f = self.formats
        line = self.next
        self.sheet.write_number(line, 0, line, f.text[colour])
        for i, value in enumerate(values, start=1):
            if value is None or value == "":
                self.sheet.write_blank(line, i, None, f.text[colour])
            elif isinstance(value, datetime):
                self.sheet.write_datetime(line, i, value, f.when[colour])
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                self.sheet.write_number(line, i, value, f.text[colour])
            else:
                text = str(value)
                self.sheet.write_string(line, i, text, f.quoted[colour] if guard(text) != text else f.text[colour])
        self.next += 1


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
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False}
    if tmpdir is not None:
        options["tmpdir"] = str(tmpdir)
    book = xlsxwriter.Workbook(str(out_file) if isinstance(out_file, (str, Path)) else out_file, options)
    try:
        formats = _Formats(book)
        taken = {LEDGER_SHEET, SUMMARY_SHEET}
        ledger = _DataSheet(book, LEDGER_SHEET, total, formats)
        summary = book.add_worksheet(SUMMARY_SHEET)
        names = dict(session.execute(select(Grid.code, Grid.name).where(Grid.level == "town")).all())
        towns: dict[str, _DataSheet] = {}
        for code in sorted(c for c in counts if c != NO_TOWN):
            towns[code] = _DataSheet(book, sheet_name(names.get(code, code), taken), counts[code], formats)
        if counts.get(NO_TOWN):
            towns[NO_TOWN] = _DataSheet(book, sheet_name(NO_TOWN_SHEET, taken), counts[NO_TOWN], formats)
        _write_summary(summary, formats, summary_blocks(session, period, filters, scope, zone, generated_at))

        written = 0

        def batch_done(_n: int) -> None:
            if progress and written:
                progress(written, total)

        for row in iter_rows(session, period, filters, scope, tz=zone, on_batch=batch_done):
            values = [column.value(row, zone) for column in COLUMNS]
            ledger.write(row, values)
            towns[row.town_code or NO_TOWN].write(row, values)
            written += 1
        ledger.sheet.activate()
    finally:
        book.close()
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
