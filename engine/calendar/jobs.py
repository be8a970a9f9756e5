"""A working-calendar change's deadlines, moved in batches (issue 15): a ``calendar_job`` row
holds the changed day, what it was, and a cursor over the running instances (id order); each
batch moves up to ``BATCH`` instances and advances the cursor in one transaction, so a crash
loses at most the batch under way, and whoever runs the job next — the background thread the
admin page starts (webapp/admin/calendar_runner.py) or the worker's job loop — carries on from
the last committed batch. The deadlines end as moving them all in one transaction would
(tests/engine/calendar/test_calendar_jobs.py compares the two).

Only one job runs at a time (engine/calendar/admin.set_day refuses a change meanwhile): a job's
old calendar is today's with its own day put back, which holds only while no other day changes.
"""
from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.calendar.recompute import candidates, recompute, start_of
from engine.calendar.workdays import WorkCalendar
from engine.core.runtime import Runtime
from engine.models import AuditEvent, CalendarDay, CalendarYear, ProcessInstance
from engine.models.calendar_jobs import CalendarJob

BATCH = 500
log = logging.getLogger(__name__)


def unfinished_job(session: Session) -> CalendarJob | None:
    return session.scalars(select(CalendarJob).where(CalendarJob.state == "running")
                           .order_by(CalendarJob.id).limit(1)).first()


def latest_job(session: Session) -> CalendarJob | None:
    return session.scalars(select(CalendarJob).order_by(CalendarJob.id.desc()).limit(1)).first()


def start_job(session: Session, runtime: Runtime, day, is_workday: bool, was_workday: bool, actor: str) -> CalendarJob:
    """The job of a day just changed (in the caller's transaction, with the change itself)."""
    now = runtime.now()
    since = start_of(day, ZoneInfo(runtime.timezone))
    total = session.scalar(select(func.count()).select_from(candidates(since).subquery())) or 0
    job = CalendarJob(day=day, is_workday=is_workday, was_workday=was_workday, state="running", cursor=0,
                      total=total, examined=0, moved=0, batches=0, actor=actor, started_at=now, updated_at=now)
    session.add(job)
    session.flush()
    return job


def _old_calendar(session: Session, tz, job: CalendarJob) -> WorkCalendar:
    overrides = {row.day: row.is_workday for row in session.scalars(select(CalendarDay))}
    overrides[job.day] = job.was_workday
    return WorkCalendar(overrides=overrides, entered_years=list(session.scalars(select(CalendarYear.year))), tz=tz)


def run_in(session: Session, runtime: Runtime, job: CalendarJob, *, limit: int | None = BATCH) -> list[int]:
    """Move the next ``limit`` instances (None: all that are left) in the caller's transaction
    and advance the cursor; the case ids whose deadlines moved. Marks the job done at the end."""
    before = _old_calendar(session, runtime.timezone, job)
    query = candidates(start_of(job.day, before.tz)).where(ProcessInstance.id > job.cursor)
    # One id past the batch says whether another batch follows, so the last one ends the job.
    ids = list(session.scalars(query.limit(limit + 1) if limit else query))
    more = limit is not None and len(ids) > limit
    ids = ids[:limit] if more else ids
    moved = recompute(session, runtime, before, job.day, job.actor, ids)
    now = runtime.now()
    job.examined += len(ids)
    job.moved += len(moved)
    job.batches += 1
    job.updated_at = now
    if ids:
        job.cursor = ids[-1]
    if not more:
        job.state, job.finished_at = "done", now
        # Candidates counted at the start may have finished meanwhile; the bar ends full.
        job.total = job.examined
        session.add(AuditEvent(at=now, actor=job.actor, kind="calendar_recomputed", detail={
            "job_id": job.id, "day": job.day.isoformat(), "recomputed_cases": job.moved,
            "examined": job.examined, "batches": job.batches}))
    return moved


def run_batch(runtime: Runtime, job_id: int, *, limit: int = BATCH) -> bool:
    """One batch of a job in a transaction of its own; False when the job has nothing left.
    The job row is locked first, so two processes running the same job take turns."""
    with runtime.db.write() as session:
        job = session.scalars(select(CalendarJob).where(CalendarJob.id == job_id).with_for_update()
                              .execution_options(populate_existing=True)).first()
        if job is None or job.state != "running":
            return False
        run_in(session, runtime, job, limit=limit)
        return job.state == "running"


def run_job(runtime: Runtime, job_id: int, *, limit: int = BATCH) -> None:
    while run_batch(runtime, job_id, limit=limit):
        pass


def continue_jobs(runtime: Runtime, *, batches: int = 1, limit: int = BATCH) -> int:
    """Carry on an unfinished job for up to ``batches`` batches (the worker's job loop: a change
    whose thread died with its process still finishes); the batches run."""
    with runtime.db.read() as session:
        job = unfinished_job(session)
        job_id = job.id if job is not None else None
    ran = 0
    while job_id is not None and ran < batches:
        ran += 1
        if not run_batch(runtime, job_id, limit=limit):
            break
    return ran

