"""Issuing the periodic reports that are due: exactly once per kind and period, each in its own
transaction, by whichever worker gets there first.

The claim is the ``report`` row's unique key (kind, period start): the number is allocated, the
snapshot taken and the row inserted in one savepoint; a second worker racing for the same period
waits on the number series' row lock (documents/issue.number_in_series), then fails on the
unique key and rolls its savepoint back, number included, so the series has no gap. The PDF is
rendered afterwards, outside this transaction (engine/reports/storage.py).

A report is issued only about a period that ends after greenloop went into service (the first
deployment of a process): a fresh installation does not file reports about days it never saw.
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from documents.issue import number_in_series
from engine.core.runtime import Runtime
from engine.measures.periods import Period
from engine.models import AuditEvent, ProcessDefinition
from engine.models.reports import Report
from engine.notify.delivery import Audience, Message, deliver
from engine.reports import schedule as report_schedule
from engine.reports.content import build_context
from engine.reports.schedule import KINDS, REPORT_KIND, Due
from engine.vocabulary.document_kinds import REPORT_KINDS

log = logging.getLogger(__name__)


def due_reports(session: Session, now: datetime, tz: str) -> list[Due]:
    """The latest due period of each kind whose report has not been issued yet."""
    zone = ZoneInfo(tz)
    settings = report_schedule.load(session)
    since = session.scalar(select(func.min(ProcessDefinition.deployed_at)))
    if since is None:
        return []
    out = []
    for kind in KINDS:
        due = report_schedule.latest_due(kind, settings.of(kind), now, zone)
        if due is None or due.period.utc_bounds(zone)[1] <= since:
            continue
        if session.scalar(select(Report.id).where(Report.kind == kind, Report.period_start == due.period.start)):
            continue
        out.append(due)
    return out


def issue_due(runtime: Runtime, actor: str = "system") -> list[int]:
    """Issue every report now due (the worker's job loop); returns the ids this call issued."""
    with runtime.db.read() as session:
        due = due_reports(session, runtime.now(), runtime.timezone)
    issued = []
    for item in due:
        with runtime.db.write() as session:
            row = issue_report(session, runtime, item.period, actor=actor)
            if row is not None:
                issued.append(row.id)
    return issued


def issue_report(session: Session, runtime: Runtime, period: Period, *, actor: str) -> Report | None:
    """Issue the report of ``period`` in the caller's transaction, unless it exists (None)."""
    kind = REPORT_KIND[period.kind]
    if _latest(session, kind, period) is not None:
        return None
    return _issue(session, runtime, period, actor=actor, number=None, revision=1)


def reissue_report(session: Session, runtime: Runtime, period: Period, *, actor: str) -> Report | None:
    """Issue the report of ``period`` by hand, in the caller's transaction: a period the schedule
    missed gets its first report (the next number), an issued one the next revision with the
    same number, its figures taken again now; the earlier revision and its files stay as they
    were (docs/reports.md). None when someone else issued the same revision at the same moment."""
    latest = _latest(session, REPORT_KIND[period.kind], period)
    if latest is None:
        return _issue(session, runtime, period, actor=actor, number=None, revision=1)
    return _issue(session, runtime, period, actor=actor, number=latest.number, revision=latest.revision + 1)


def _latest(session: Session, kind: str, period: Period) -> Report | None:
    return session.scalars(select(Report).where(Report.kind == kind, Report.period_start == period.start)
                           .order_by(Report.revision.desc()).limit(1)).first()


def _issue(session: Session, runtime: Runtime, period: Period, *, actor: str, number: str | None,
           revision: int) -> Report | None:
    kind = REPORT_KIND[period.kind]
    now, tz = runtime.now(), runtime.timezone
    meta = REPORT_KINDS[kind]
    try:
        # The unique keys (kind, period, revision) and (number, revision) are the claim: of two
        # processes issuing the same revision, the second rolls back here, number included.
        with session.begin_nested():
            number = number or number_in_series(session, meta["prefix"], now, tz)
            context = {**build_context(session, period, number=number, issued_at=now, issued_by=actor, tz=tz),
                       "revision": revision}
            row = Report(kind=kind, period_start=period.start, period_end=period.end, number=number,
                         revision=revision, context=context, status="pending", issued_by=actor, issued_at=now)
            session.add(row)
            session.flush()
    except IntegrityError:
        log.info("%s report for %s (revision %s) was issued by another process", kind, period.start, revision)
        return None
    session.add(AuditEvent(case_id=None, at=now, actor=actor, kind="report_issued" if revision == 1 else "report_reissued",
                           detail={"report_id": row.id, "kind": kind, "number": number, "revision": revision,
                                   "title": meta["zh"], "period": [period.start.isoformat(), period.end.isoformat()]}))
    _notify(session, row, context, now)
    return row


def _notify(session: Session, row: Report, context: dict, now: datetime) -> None:
    """Tell the recipients the administrator chose (the bureau's leaders and the supervision
    section by default): the bell, and mail through the worker (engine/notify/mail.py)."""
    tiers = report_schedule.load(session).recipient_tiers()
    again = f"（第{row.revision}版）" if row.revision > 1 else ""
    title = f"{context['title']}（{context['period']['label']}）{again}已印发"
    body = (f"{row.number}：本期红色超期案件 {context['red_total']} 件，升级至局领导督办 "
            f"{len(context['escalated'])} 件。请在“统计报告”中查阅下载。")
    messages = [Message("report", title, body, Audience(group="supervisor", tier=tier)) for tier in tiers]
    deliver(session, None, messages, now)
