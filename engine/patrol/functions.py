"""What workflows/bpmn/patrol.bpmn calls: the warning (yellow), the missed deadline (red and one
tier up, 一级督一级) and the close of a patrol nobody checked in on.

The complaint loop's escalation (engine/cases/escalation.py) acts on a case: its tier, its owner
and a 督办单 among the case's documents. A patrol has no case, so its escalation is a supervision
notice (督办通知) to the supervisors of the next tier whose grid covers the point, and the tier it
reached is kept on the patrol row for the ledger.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import TOP_TIER, Grid, Patrol, PatrolPoint, User, UserRole
from engine.vocabulary.words import TIERS


def supervisors_over(session, grid_path: str, tier: int) -> list[int]:
    """Active supervisors of ``tier`` posted at a node on the path to (and including) the place."""
    rows = session.execute(
        select(User.id, Grid.path).join(UserRole).join(Grid, Grid.id == User.grid_id)
        .where(UserRole.role == "supervisor", User.tier == tier, User.active.is_(True)).order_by(User.id)).all()
    return [uid for uid, path in rows if grid_path.startswith(path)]


def patrol_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def _patrol(patrol_id) -> Patrol:
        patrol = ctx.session.get(Patrol, int(patrol_id))
        if patrol is None:
            raise WorkflowFault(f"patrol {patrol_id} not found")
        return patrol

    def patrol_warning(patrol_id) -> None:
        patrol = _patrol(patrol_id)
        if patrol.status == "open" and patrol.colour == "blue":
            patrol.colour = "yellow"
        ctx.record("patrol_warning", patrol_id=patrol.id, due=patrol.due_at.isoformat())

    def escalate_patrol(patrol_id) -> int:
        """The patrol ran past its day: red, and one tier above its officer is told."""
        patrol = _patrol(patrol_id)
        point = ctx.session.get(PatrolPoint, patrol.point_id)
        officer = ctx.session.get(User, patrol.officer_id) if patrol.officer_id else None
        tier = min((officer.tier if officer and officer.tier else 1) + 1, TOP_TIER)
        patrol.colour, patrol.escalated_tier = "red", tier
        ctx.record("patrol_escalated", patrol_id=patrol.id, point=point.name, to_tier=tier,
                   overdue_since=patrol.due_at.isoformat())
        title = f"督办：巡查点 {point.name} 漏巡"
        body = (f"巡查点“{point.name}”应于 {patrol.due_at.astimezone(ctx.timezone):%Y-%m-%d %H:%M} 前完成巡查，"
                f"{officer.display_name if officer else '网格员'} 尚未签到，升级至{TIERS[tier]}督办。")
        for user_id in supervisors_over(ctx.session, patrol.grid_path, tier):
            ctx.notify("escalation", title, body, user_id=user_id)
        return tier

    def close_missed_patrol(patrol_id) -> None:
        patrol = _patrol(patrol_id)
        if patrol.status == "open":
            patrol.status, patrol.colour, patrol.on_time = "missed", "red", False
            ctx.record("patrol_missed", patrol_id=patrol.id)

    def confirm_check_in(patrol_id) -> None:
        """The check-in task is completed only by engine/patrol/check_in.py, which records the
        check-in first: completing it any other way (the generic task API) is refused."""
        if _patrol(patrol_id).status != "done":
            raise WorkflowFault("巡查签到须在签到页面完成 (a patrol check-in is made on its check-in page)")

    return {"patrol_warning": patrol_warning, "confirm_check_in": confirm_check_in, "escalate_patrol": escalate_patrol,
            "close_missed_patrol": close_missed_patrol}
