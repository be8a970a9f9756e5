"""Reading the issued reports: the list staff page through, and one report by id."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models.reports import Report


def list_reports(session: Session, *, kind: str | None = None, limit: int = 50,
                 offset: int = 0) -> tuple[list[Report], int]:
    """Reports newest period first (optionally of one kind), and how many there are in all."""
    conditions = [Report.kind == kind] if kind else []
    total = session.scalar(select(func.count()).select_from(Report).where(*conditions)) or 0
    rows = list(session.scalars(select(Report).where(*conditions)
                                .order_by(Report.period_start.desc(), Report.kind, Report.id.desc())
                                .limit(limit).offset(offset)))
    return rows, total


def get_report(session: Session, report_id: int) -> Report | None:
    return session.get(Report, report_id)
