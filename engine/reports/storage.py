"""Rendering an issued report to its stored PDF (and the four-colour ledger, engine/ledger, as the
Excel file filed with it), outside
the issuing transaction, as case documents are (documents/storage.py): read the snapshot, render,
write the file, then record path, size and checksum in a short transaction. A rendered report is
never rendered again; if two processes race, the first one stored wins and the other's files are
discarded.
"""
from __future__ import annotations

import hashlib
import io
import uuid
from contextlib import nullcontext
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents.render import render_pdf
from engine.core.backlog import render_pending
from engine.core.config import load_settings
from engine.core.errors import NotFound
from engine.core.runtime import Runtime
from engine.ledger.filters import LedgerFilters
from engine.ledger.rows import LedgerScope
from engine.ledger.xlsx import write_ledger_xlsx
from engine.measures import Period
from engine.models.reports import Report
from engine.storage import DOCUMENTS, FileStore, as_store, check_key, store_for

FOLDER = "reports"  # in the documents store; case documents use numeric folders
BACKLOG_BATCH = 2


def stored_file(relative: str | None, report_id: int) -> str:
    """The key of the stored file a report row points at, refusing anything outside the reports
    folder of the documents store."""
    try:
        key = check_key(relative or "")
    except ValueError:
        key = ""
    if not key.startswith(f"{FOLDER}/"):
        raise ValueError(f"report {report_id} points outside the reports folder")
    return key


def _write(store: FileStore, stem: str, suffix: str, data: bytes) -> str:
    relative = f"{FOLDER}/{stem}-{uuid.uuid4().hex}{suffix}"
    store.put(relative, data)
    return relative


def _ledger_xlsx(session, runtime: Runtime, period: Period, documents_dir: FileStore) -> tuple[str, int, str]:
    """Write the four-colour ledger of the period beside the report: (path, size, sha256)."""
    out = io.BytesIO()
    write_ledger_xlsx(session, period, LedgerFilters(), LedgerScope.everything(), out, tz=runtime.timezone,
                      generated_at=runtime.now())
    data = out.getvalue()
    relative = _write(documents_dir, f"ledger-{period.start.isoformat()}-{period.end.isoformat()}", ".xlsx", data)
    return relative, len(data), hashlib.sha256(data).hexdigest()


def _is_stored(documents_dir: FileStore, row: Report) -> bool:
    return row.status == "rendered" and documents_dir.exists(stored_file(row.stored_path, row.id))


def ensure_rendered(runtime: Runtime, report_id: int, *, documents_dir: FileStore | Path,
                    claimed: Session | None = None) -> Report:
    """The report with its PDF (and ledger) stored, rendering them now if nobody has yet.
    ``claimed``: the job loop's transaction holding the row's lock (engine/core/backlog.py)."""
    documents_dir = as_store(documents_dir)
    with nullcontext(claimed) if claimed is not None else runtime.db.read() as session:
        row = session.get(Report, report_id)
        if row is None:
            raise NotFound(f"报告 {report_id} 不存在 (no such report)")
        if _is_stored(documents_dir, row):
            return row
        context, kind, start, end = row.context, row.kind, row.period_start, row.period_end
        # The cases received in the report's period, every one of them, titles masked as on the
        # report itself (engine/ledger/xlsx.py).
        ledger = _ledger_xlsx(session, runtime, Period.custom(start, end), documents_dir)
    written = [ledger[0]]
    try:
        rendered = render_pdf(context)
        pdf_path = _write(documents_dir, f"{kind}-{start.isoformat()}", ".pdf", rendered.pdf)
    except Exception:
        _discard(documents_dir, written)
        raise
    written.append(pdf_path)
    try:
        with nullcontext(claimed) if claimed is not None else runtime.db.write() as session:
            row = session.scalars(select(Report).where(Report.id == report_id).with_for_update()).one()
            if _is_stored(documents_dir, row):
                _discard(documents_dir, written)  # another process stored it first; reports never change
                return row
            row.stored_path = pdf_path
            row.size = len(rendered.pdf)
            row.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
            row.pages = rendered.pages
            row.ledger_path, row.ledger_size, row.ledger_sha256 = ledger
            row.status = "rendered"
            row.rendered_at = runtime.now()
            row.error = None
            return row
    except Exception:
        _discard(documents_dir, written)
        raise


def _discard(documents_dir: FileStore, written: list[str]) -> None:
    for relative in written:
        documents_dir.delete(relative)


def mark_failed(runtime: Runtime, report_id: int, err: Exception, claimed: Session | None = None) -> None:
    with nullcontext(claimed) if claimed is not None else runtime.db.write() as session:
        row = session.get(Report, report_id)
        if row is not None:
            row.mark_failed(err)


def render_backlog(runtime: Runtime, limit: int = BACKLOG_BATCH, *,
                   documents_dir: FileStore | Path | None = None) -> int:
    """Render up to ``limit`` pending reports, oldest first (the job loop's share). Never raises."""
    documents_dir = documents_dir or store_for(load_settings()).child(DOCUMENTS)
    return render_pending(runtime, Report, (Report.issued_at, Report.id), limit,
                          lambda report_id, claimed: ensure_rendered(runtime, report_id, documents_dir=documents_dir,
                                                                     claimed=claimed),
                          lambda report_id, err, claimed: mark_failed(runtime, report_id, err, claimed), "report")
