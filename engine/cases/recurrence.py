"""Repeat complaints (重复投诉): a new case about the same place or the same enterprise as a case
closed within a window before it. The complaint diagram's receiving stage calls ``flag_recurrence(days)``
as it starts at intake (workflows/bpmn/complaint.bpmn, element ``stage_receive_enter``; 90 days as shipped), so the window is a diagram
value an administrator can change. The window counts **calendar days** back from the moment the new
case is registered: a relapse is a matter of elapsed time on site, not of office working days.

"The same place or enterprise" is the rule possible duplicates use
(engine/cases/duplicates.same_place_or_enterprise); a repeat differs from a duplicate in that the
earlier case is already closed, so there is nothing to merge into.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.cases.duplicates import same_place_or_enterprise
from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import Case
from engine.org.places import grid_ref

MAX_WINDOW_DAYS = 3650


def earlier_closed_case(session: Session, case: Case, now: datetime, days: int) -> Case | None:
    """The most recently closed case (status closed, closed within ``days`` calendar days before
    ``now``) about the same place or enterprise as ``case``; None when there is none."""
    grid = grid_ref(session, grid_id=case.grid_id) if case.grid_id else None
    where, _prefix, _grid, _company = same_place_or_enterprise(session, grid.code if grid else None,
                                                               case.subject_enterprise)
    if not where:
        return None
    # Other cases only: what this step has changed on ``case`` need not be flushed first (it is
    # written once, at the end of the step).
    with session.no_autoflush:
        return session.scalars(
            select(Case).where(or_(*where), Case.id != case.id, Case.status == "closed",
                               Case.closed_at.is_not(None), Case.closed_at >= now - timedelta(days=days),
                               Case.closed_at <= now)
            .order_by(Case.closed_at.desc(), Case.id.desc()).limit(1)).first()


def recurrence_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def flag_recurrence(days: int) -> bool:
        """Link the case to the closed case it repeats; returns whether it is a repeat."""
        if ctx.case is None:
            raise WorkflowFault("this process is not attached to a case")
        if not isinstance(days, int) or not 1 <= days <= MAX_WINDOW_DAYS:
            raise WorkflowFault(f"flag_recurrence() needs a whole number of days 1–{MAX_WINDOW_DAYS}, got {days!r}")
        earlier = earlier_closed_case(ctx.session, ctx.case, ctx.now(), days)
        if earlier is None:
            return False
        ctx.case.recurrence_of_id = earlier.id
        ctx.record("recurrence", of=earlier.number, days=days,
                   department=earlier.department.code if earlier.department else None)
        return True

    return {"flag_recurrence": flag_recurrence}
