"""The patrol ledger: per officer, work area and town — patrols due, done, done on time,
problems found, problems solved (the case they started is closed). A patrol counts as due once
its day has ended or it was checked in (an open patrol still within its day is not yet due).

The statistics of "Supervision by numbers" read the same ``ledger_rows``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from engine.models import CLOSED_STATUSES, Case, Grid, Patrol, User

GROUPINGS = ("officer", "area", "town")


@dataclass
class LedgerRow:
    key: str
    label: str
    due: int = 0
    done: int = 0
    on_time: int = 0
    problems: int = 0
    solved: int = 0
    missed: int = field(init=False, default=0)

    def finish(self) -> LedgerRow:
        self.missed = self.due - self.done
        return self


def _segment(grid_path: str, depth: int) -> str | None:
    # "/C/T01/T01-A01/T01-A01-V01/": depth 2 is the town, 3 the work area.
    parts = [p for p in grid_path.split("/") if p]
    return parts[depth - 1] if len(parts) >= depth else None


def ledger_rows(session: Session, scope, by: str, now: datetime, since: datetime | None = None,
                until: datetime | None = None) -> list[LedgerRow]:
    """``scope``: engine/org/scopes.patrol_scope(staff, Patrol)."""
    if by not in GROUPINGS:
        raise ValueError(by)
    counted = or_(Patrol.due_at <= now, Patrol.status == "done")
    q = (select(Patrol.officer_id, Patrol.grid_path, func.count(),
                func.sum(case((Patrol.status == "done", 1), else_=0)),
                func.sum(case((and_(Patrol.status == "done", Patrol.on_time.is_(True)), 1), else_=0)),
                func.sum(case((Patrol.case_id.is_not(None), 1), else_=0)),
                func.sum(case((Case.status.in_(CLOSED_STATUSES), 1), else_=0)))
         .outerjoin(Case, Case.id == Patrol.case_id)
         .where(scope, counted).group_by(Patrol.officer_id, Patrol.grid_path))
    if since is not None:
        q = q.where(Patrol.due_at >= since)
    if until is not None:
        q = q.where(Patrol.due_at < until)
    rows: dict[str, LedgerRow] = {}
    names: dict[str, str] = {}
    keys = []
    for officer_id, grid_path, due, done, on_time, problems, solved in session.execute(q):
        key = str(officer_id or "") if by == "officer" else _segment(grid_path, 2 if by == "town" else 3) or ""
        keys.append(key)
        row = rows.setdefault(key, LedgerRow(key, key))
        row.due += due
        row.done += int(done or 0)
        row.on_time += int(on_time or 0)
        row.problems += int(problems or 0)
        row.solved += int(solved or 0)
    if by == "officer":
        ids = [int(k) for k in rows if k]
        names = {str(i): n for i, n in session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))}
    else:
        names = dict(session.execute(select(Grid.code, Grid.name).where(Grid.code.in_(list(rows)))).all())
    for key, row in rows.items():
        row.label = names.get(key, key or "—")
    return sorted((r.finish() for r in rows.values()), key=lambda r: r.key)


def ledger_totals(rows: list[LedgerRow]) -> LedgerRow:
    total = defaultdict(int)
    for r in rows:
        for name in ("due", "done", "on_time", "problems", "solved"):
            total[name] += getattr(r, name)
    return LedgerRow("", "", **total).finish()
