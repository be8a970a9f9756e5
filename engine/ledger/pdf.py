"""The ledger as a PDF, through documents/ (the same escaping, CJK fonts and refusal of every URL
as case documents). WeasyPrint lays the whole table out in memory at roughly a tenth of a second
a row even on a quiet machine (bench/ledger_bench.py, ``ledger_pdf_s``), so a PDF holds at most
PDF_ROW_CAP rows — the newest — and says so above the table; the Excel file has them all. The
summary (the period's measures) is always complete."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from documents.render import render_page_pdf
from engine.ledger.columns import COLUMNS
from engine.ledger.filters import LedgerFilters, period_label
from engine.ledger.rows import LedgerScope, count_rows, iter_rows
from engine.ledger.summary import TITLE, summary_blocks
from engine.measures import Period

PDF_ROW_CAP = 500
_PDF_COLUMNS = [c for c in COLUMNS if c.in_pdf]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _cells(block) -> list[tuple]:
    return [tuple(f"{v:.1%}" if isinstance(v, float) and i in block.percent_columns else v
                  for i, v in enumerate(cells)) for cells in block.rows]


def ledger_pdf_context(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope, *,
                       tz: ZoneInfo, generated_at: datetime, cap: int = PDF_ROW_CAP,
                       progress: Callable[[int, int], None] | None = None) -> dict:
    total = count_rows(session, period, filters, scope, tz)
    shown = min(total, cap)
    if progress:
        progress(0, shown)
    rows = []
    for row in iter_rows(session, period, filters, scope, tz=tz, batch=min(cap, 2000) or 1):
        if len(rows) == cap:
            break
        rows.append({"colour": row.colour, "cells": [_text(c.value(row, tz)) for c in _PDF_COLUMNS]})
        if progress and len(rows) % 500 == 0:
            progress(len(rows), shown)
    blocks = [{"title": b.title, "header": b.header, "rows": _cells(b)}
              for b in summary_blocks(session, period, filters, scope, tz, generated_at)]
    # Fixed table layout (documents/templates/ledger.css) with widths in proportion to the Excel
    # columns': WeasyPrint need not measure every cell to size the columns.
    weights = [4] + [c.width for c in _PDF_COLUMNS]
    widths = [round(100 * w / sum(weights), 2) for w in weights]
    return {"title": f"{TITLE}（{period_label(period)}）", "blocks": blocks, "widths": widths,
            "headers": [c.header for c in _PDF_COLUMNS],
            "rows": rows, "total": total, "capped": total > cap,
            "cap_note": f"本期间共 {total} 件，PDF 仅列最新登记的 {cap} 件；完整台账请导出 Excel。"}


def write_ledger_pdf(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
                     out_file: str | Path | BinaryIO, *, tz: str | ZoneInfo, generated_at: datetime,
                     progress: Callable[[int, int], None] | None = None, cap: int = PDF_ROW_CAP) -> int:
    """Write the ledger PDF to ``out_file``; returns the rows it lists (at most ``cap``)."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    context = ledger_pdf_context(session, period, filters, scope, tz=zone, generated_at=generated_at, cap=cap,
                                 progress=progress)
    rendered = render_page_pdf("ledger.html", context, "ledger.css")
    if isinstance(out_file, (str, Path)):
        Path(out_file).write_bytes(rendered.pdf)
    else:
        out_file.write(rendered.pdf)
    if progress:
        progress(len(context["rows"]), len(context["rows"]))
    return len(context["rows"])
