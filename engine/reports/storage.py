"""Rendering an issued report to its stored PDF (and the four-colour ledger beside it), outside
the issuing transaction, as case documents are (documents/storage.py): read the snapshot, render,
write the file, then record path, size and checksum in a short transaction. A rendered report is
never rendered again; if two processes race, the first one stored wins and the other's files are
discarded.
"""
from __future__ import annotations

import hashlib
import logging
import os
import uuid
from pathlib import Path

from sqlalchemy import select

from documents.render import render_pdf
from engine.core.config import load_settings
from engine.core.errors import NotFound
from engine.core.runtime import Runtime
from engine.models.reports import Report

log = logging.getLogger(__name__)
FOLDER = "reports"  # under the documents folder; case documents use numeric folders
BACKLOG_BATCH = 2


def stored_file(documents_dir: Path, relative: str | None, report_id: int) -> Path:
    """The stored file a report row points at, refusing anything outside the documents folder."""
    base = Path(documents_dir).resolve()
    path = (base / (relative or "")).resolve()
    if not relative or not path.is_relative_to(base / FOLDER):
        raise ValueError(f"report {report_id} points outside the reports folder")
    return path


def _write(documents_dir: Path, name: str, data: bytes) -> str:
    folder = Path(documents_dir) / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{FOLDER}/{name}-{uuid.uuid4().hex}"
    target = Path(documents_dir) / relative
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return relative


def _is_stored(documents_dir: Path, row: Report) -> bool:
    return row.status == "rendered" and stored_file(documents_dir, row.stored_path, row.id).is_file()


def ensure_rendered(runtime: Runtime, report_id: int, *, documents_dir: Path) -> Report:
    """The report with its PDF (and ledger) stored, rendering them now if nobody has yet."""
    with runtime.db.read() as session:
        row = session.get(Report, report_id)
        if row is None:
            raise NotFound(f"报告 {report_id} 不存在 (no such report)")
        if _is_stored(documents_dir, row):
            return row
        context, kind, start = row.context, row.kind, row.period_start
    rendered = render_pdf(context)
    pdf_path = _write(documents_dir, f"{kind}-{start.isoformat()}.pdf", rendered.pdf)
    written = [pdf_path]
    try:
        with runtime.db.write() as session:
            row = session.scalars(select(Report).where(Report.id == report_id).with_for_update()).one()
            if _is_stored(documents_dir, row):
                _discard(documents_dir, written)  # another process stored it first; reports never change
                return row
            row.stored_path = pdf_path
            row.size = len(rendered.pdf)
            row.sha256 = hashlib.sha256(rendered.pdf).hexdigest()
            row.pages = rendered.pages
            row.status = "rendered"
            row.rendered_at = runtime.now()
            row.error = None
            return row
    except Exception:
        _discard(documents_dir, written)
        raise


def _discard(documents_dir: Path, written: list[str]) -> None:
    for relative in written:
        (Path(documents_dir) / relative).unlink(missing_ok=True)


def mark_failed(runtime: Runtime, report_id: int, err: Exception) -> None:
    with runtime.db.write() as session:
        row = session.get(Report, report_id)
        if row is not None and row.status == "pending":
            row.status = "failed"
            row.error = f"{type(err).__name__}: {err}"[:500]


def render_backlog(runtime: Runtime, limit: int = BACKLOG_BATCH, *, documents_dir: Path | None = None) -> int:
    """Render up to ``limit`` pending reports, oldest first (the worker's share). Never raises."""
    documents_dir = documents_dir or load_settings().documents_dir
    try:
        with runtime.db.read() as session:
            ids = list(session.scalars(select(Report.id).where(Report.status == "pending")
                                       .order_by(Report.issued_at, Report.id).limit(limit)))
    except Exception:
        log.exception("looking for reports to render failed")
        return 0
    done = 0
    for report_id in ids:
        try:
            ensure_rendered(runtime, report_id, documents_dir=documents_dir)
            done += 1
        except Exception as err:  # one broken report must not hold up the others, or the timers
            log.exception("rendering report %s failed", report_id)
            try:
                mark_failed(runtime, report_id, err)
            except Exception:
                log.exception("recording the failure of report %s failed", report_id)
    return done
