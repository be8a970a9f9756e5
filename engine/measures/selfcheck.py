"""The self-inspection completion rate (企业自查完成率, engine/selfcheck): per town or industry,
how many tasks were issued, submitted, submitted on time and went overdue — over the tasks issued
in a period, within the caller's scope (a WHERE clause on SelfCheckTask, engine/org/scopes.py).

Completion rate = submitted ÷ issued; on-time rate = submitted by the deadline ÷ issued. A task
sent back for correction stays submitted (its first submission counts) and stays overdue if it
ever was."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.measures.definitions import Rate
from engine.models import Grid
from engine.models.selfcheck import SelfCheckCampaign, SelfCheckTask

BY = ("town", "industry")
NO_INDUSTRY = "—"


@dataclass(frozen=True)
class Completion:
    key: str
    label: str
    issued: int
    submitted: int
    on_time: int
    overdue: int

    @property
    def completion(self) -> Rate:
        return Rate(self.submitted, self.issued)

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.on_time, self.issued)


def _counts():
    return (func.count(SelfCheckTask.id),
            func.sum(case((SelfCheckTask.submitted_at.is_not(None), 1), else_=0)),
            func.sum(case((SelfCheckTask.on_time.is_(True), 1), else_=0)),
            func.sum(case((SelfCheckTask.overdue.is_(True), 1), else_=0)))


def _where(query, scope, campaign_id: int | None, start: datetime | None, end: datetime | None):
    query = query.where(scope)
    if campaign_id is not None:
        query = query.where(SelfCheckTask.campaign_id == campaign_id)
    if start is not None or end is not None:
        query = query.join(SelfCheckCampaign, SelfCheckCampaign.id == SelfCheckTask.campaign_id)
        if start is not None:
            query = query.where(SelfCheckCampaign.issued_at >= start)
        if end is not None:
            query = query.where(SelfCheckCampaign.issued_at < end)
    return query


def completion(session: Session, *, scope, by: str = "town", campaign_id: int | None = None,
               start: datetime | None = None, end: datetime | None = None) -> tuple[list[Completion], Completion]:
    """Rows per town (the grid's town nodes, by path prefix) or industry, and the total."""
    if by not in BY:
        raise ValueError(by)
    rows: list[Completion] = []
    if by == "town":
        for code, name, path in session.execute(select(Grid.code, Grid.name, Grid.path)
                                                .where(Grid.level == "town").order_by(Grid.code)):
            got = session.execute(_where(select(*_counts()).where(
                SelfCheckTask.grid_path.startswith(path, autoescape=True)), scope, campaign_id, start, end)).one()
            if got[0]:
                rows.append(Completion(code, name, *(int(v or 0) for v in got)))
    else:
        query = _where(select(SelfCheckTask.industry, *_counts()).group_by(SelfCheckTask.industry), scope,
                       campaign_id, start, end)
        for industry, *got in session.execute(query.order_by(SelfCheckTask.industry)):
            rows.append(Completion(industry or NO_INDUSTRY, industry or NO_INDUSTRY, *(int(v or 0) for v in got)))
    total = session.execute(_where(select(*_counts()), scope, campaign_id, start, end)).one()
    return rows, Completion("", "合计", *(int(v or 0) for v in total))
