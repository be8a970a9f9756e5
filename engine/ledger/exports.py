"""Export jobs: a ledger file built in the background while the page shows its progress.

``request_export`` adds the job row inside the caller's transaction. ``run_export`` is an entry
point that commits more than once by design (docs/architecture.md, transactions): it marks the
job running, reads the rows in one read transaction, and reports progress (rows written / total)
in a short write transaction per batch of rows, so the database's write lock is never held while
the file is written; the file, built in a temporary file on this machine, is then handed to the
ledger store (engine/storage) and the job marked done in a last short transaction. The file is
built within the scope of whoever asked, looked up afresh (an account switched off meanwhile gets
nothing), and only they may download it.

Files live in the store's ``ledger/`` folder under a random name; ``purge_old`` removes jobs and
files older than a day.
"""
from __future__ import annotations

import os
import secrets
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.clock import Clock
from engine.core.db import Database
from engine.ledger.filters import LedgerFilters
from engine.ledger.pdf import write_ledger_pdf
from engine.ledger.rows import LedgerScope
from engine.ledger.xlsx import write_ledger_xlsx
from engine.measures import Period
from engine.models.ledger import EXPORT_FORMATS, LedgerExport
from engine.org.scopes import StaffMember, member_of
from engine.storage import FileStore, as_store

# A running job that has not reported for this long lost its process (a restart): it is failed.
STALE_AFTER = timedelta(minutes=5)
KEEP_FOR = timedelta(days=1)
MIME = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


def request_export(session: Session, *, staff: StaffMember, fmt: str, period: Period, filters: LedgerFilters,
                   now: datetime) -> LedgerExport:
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown ledger export format {fmt!r}")
    job = LedgerExport(user_id=staff.id, format=fmt, period_start=period.start, period_end=period.end,
                       filters=filters.as_dict(), state="queued", written=0, created_at=now, updated_at=now)
    session.add(job)
    session.flush()
    return job


def own_export(session: Session, export_id: int, user_id: int, now: datetime) -> LedgerExport | None:
    """The job, if ``user_id`` asked for it (anyone else: None, as if there were none); a running
    job that stopped reporting long ago shows as failed."""
    job = session.scalars(select(LedgerExport).where(LedgerExport.id == export_id,
                                                     LedgerExport.user_id == user_id)).first()
    if job is not None and job.state in ("queued", "running") and now - job.updated_at > STALE_AFTER:
        job.state, job.error = "failed", "导出中断（服务重启），请重新导出"
    return job


def file_name(job: LedgerExport) -> tuple[str, str]:
    """(the name a person sees, an ASCII fallback) for the downloaded file."""
    span = f"{job.period_start:%Y%m%d}-{job.period_end:%Y%m%d}"
    return f"四色台账_{span}.{job.format}", f"ledger_{span}.{job.format}"


def run_export(db: Database, export_id: int, *, folder: FileStore | Path, tz: str, clock: Clock) -> None:
    """Build the job's file and keep it in ``folder`` (the ledger store, or a folder); never raises
    (a failure is recorded on the job)."""
    store = as_store(folder)
    name: str | None = None
    partial: Path | None = None
    try:
        with db.write() as s:
            job = s.get(LedgerExport, export_id)
            if job is None or job.state != "queued":
                return
            staff = member_of(s, job.user_id)
            if staff is None:
                job.state, job.error, job.finished_at = "failed", "账号已停用", clock.now()
                return
            job.state, job.updated_at = "running", clock.now()
            fmt, period = job.format, Period.custom(job.period_start, job.period_end)
            filters = LedgerFilters.parse(job.filters)
        handle, partial_name = tempfile.mkstemp(prefix="greenloop-ledger-", suffix=".part")
        os.close(handle)
        partial = Path(partial_name)

        def report(written: int, total: int) -> None:
            with db.write() as w:
                row = w.get(LedgerExport, export_id)
                row.written, row.total, row.updated_at = written, total, clock.now()

        with db.read() as s, open(partial, "wb") as out:
            writer = write_ledger_xlsx if fmt == "xlsx" else write_ledger_pdf
            writer(s, period, filters, LedgerScope.of(staff), out, tz=tz, generated_at=clock.now(),
                   progress=report)
        size = partial.stat().st_size
        name = f"{secrets.token_hex(16)}.{fmt}"
        store.put_file(name, partial)
        with db.write() as s:
            job = s.get(LedgerExport, export_id)
            job.state, job.stored_path, job.size = "done", name, size
            job.finished_at = job.updated_at = clock.now()
    except Exception as err:  # noqa: BLE001 - recorded on the job for the person to see
        if partial is not None:
            partial.unlink(missing_ok=True)
        if name is not None:
            store.delete(name)
        with db.write() as s:
            job = s.get(LedgerExport, export_id)
            if job is not None:
                job.state, job.error = "failed", f"{type(err).__name__}: {err}"[:500]
                job.finished_at = job.updated_at = clock.now()


def purge_old(session: Session, folder: FileStore | Path, now: datetime) -> int:
    """Remove jobs (and their files) finished or started more than KEEP_FOR ago."""
    store = as_store(folder)
    old = list(session.scalars(select(LedgerExport).where(LedgerExport.created_at < now - KEEP_FOR)))
    for job in old:
        if job.stored_path:
            store.delete(job.stored_path)
        session.delete(job)
    return len(old)


def period_of(job: LedgerExport) -> Period:
    return Period.custom(job.period_start, job.period_end)


