"""What a periodic report says: the snapshot dict its PDF is rendered from.

Like a case document's context (documents/context.py) it is plain JSON written out in the
bureau's local time, taken when the report is issued, so the PDF rendered later shows what was
true then. Every figure comes from engine/measures (this module computes none); the lists —
red cases, cases escalated to the leader — are read here. Case titles are masked the way papers
are (engine/cases/masking.paper_redactor): a report circulates among leaders and is filed, and
a complainant's name or phone typed into a title has no business in it.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents import settings as document_settings
from documents.context import duration_text, fmt_date, fmt_deadline, fmt_time
from engine.cases.masking import paper_redactor
from engine.measures.periods import MONTH, Period
from engine.models import OPEN_STATUSES, TOP_TIER, AuditEvent, Case, Department, User
from engine.reports import figures
from engine.reports.schedule import REPORT_KIND
from engine.vocabulary.document_kinds import REPORT_KINDS
from engine.vocabulary.words import STAGES, STATUSES, TIERS, word

# A report is read, not searched: past this many red cases it says how many more there are.
RED_CASES_SHOWN = 300


def period_label(period: Period) -> str:
    start, end = period.start, period.end
    if period.kind == MONTH:
        return f"{start.year}年{start.month}月"
    if start == end:
        return f"{start.year}年{start.month}月{start.day}日"
    tail = f"{end.month}月{end.day}日" if end.year == start.year else f"{end.year}年{end.month}月{end.day}日"
    return f"{start.year}年{start.month}月{start.day}日至{tail}"


def build_context(session: Session, period: Period, *, number: str, issued_at: datetime, issued_by: str,
                  tz: str) -> dict:
    zone = ZoneInfo(tz)
    previous = period.previous()
    kind = REPORT_KIND[period.kind]
    people = {u.id: u.display_name for u in session.scalars(select(User))}
    departments = {d.id: d.name for d in session.scalars(select(Department))}
    measured = figures.side_by_side(session, period, previous, tz)
    return {
        "report": True, "kind": kind, "title": REPORT_KINDS[kind]["zh"], "number": number,
        "bureau": document_settings.bureau_name(session, document_settings.load(session)),
        "issued_at": fmt_time(issued_at, zone), "issued_date": fmt_date(issued_at, zone),
        "issued_by": "系统" if issued_by == "system" else people.get(issued_by, issued_by),
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat(), "label": period_label(period)},
        "previous": {"start": previous.start.isoformat(), "end": previous.end.isoformat(),
                     "label": period_label(previous)},
        "measures": measured["measures"],
        "towns": measured["towns"],
        "town_columns": measured["town_columns"],
        "patrol_columns": measured["patrol_columns"],
        "patrols": measured["patrols"],
        "patrol_total": measured["patrol_total"],
        **_red_cases(session, issued_at, zone, people, departments),
        "escalated": _escalated_to_leader(session, period, zone, people, departments),
    }


def _red_cases(session: Session, now: datetime, zone: ZoneInfo, people: dict, departments: dict) -> dict:
    """Open red cases as the report is issued, longest overdue first."""
    rows = list(session.scalars(select(Case).where(Case.colour == "red", Case.status.in_(OPEN_STATUSES))
                                .order_by(Case.stage_due.is_(None), Case.stage_due, Case.id)))
    shown = []
    for case in rows[:RED_CASES_SHOWN]:
        shown.append({
            "number": case.number, "title": paper_redactor(case)(case.title or ""),
            "stage": word(STAGES, case.stage), "tier": word(TIERS, case.tier),
            "department": departments.get(case.department_id) or "—",
            "owner": people.get(case.leader_owner_id) or "—",
            "due": fmt_deadline(case.stage_due, zone) or "—",
            "overdue": duration_text(now - case.stage_due) if case.stage_due else "—",
        })
    return {"red_cases": shown, "red_total": len(rows), "red_more": max(0, len(rows) - len(shown))}


def _escalated_to_leader(session: Session, period: Period, zone: ZoneInfo, people: dict,
                         departments: dict) -> list[dict]:
    """Cases raised to the bureau leader's tier (领导督办/包案) during the period, in order."""
    start, end = period.utc_bounds(zone)
    events = session.execute(
        select(AuditEvent, Case).join(Case, Case.id == AuditEvent.case_id)
        .where(AuditEvent.kind == "escalated", AuditEvent.at >= start, AuditEvent.at < end)
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    out = []
    for event, case in events:
        detail = event.detail or {}
        if str(detail.get("to_tier")) != str(TOP_TIER):
            continue
        out.append({
            "number": case.number, "title": paper_redactor(case)(case.title or ""),
            "at": fmt_time(event.at, zone), "stage": word(STAGES, detail.get("stage") or event.stage),
            "department": departments.get(case.department_id) or "—",
            "owner": people.get(case.leader_owner_id) or "—",
            "status": word(STATUSES, case.status),
        })
    return out
