"""Escalation (一级督一级): the diagram functions behind a stage's warning and deadline timers.

A warning turns the stage yellow; a missed deadline raises the case one supervision tier
(grid officer → town → county supervision section → bureau leader), turns it red, tells that
tier, and at the top tier makes a bureau leader the case's owner (领导包案). The diagram decides
when (timers in workflows/bpmn/complaint.bpmn and the reusable supervision process); these
functions decide what it means for the case.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import TOP_TIER, AuditEvent, Case, User, UserRole
from engine.vocabulary.words import STAGES, TIERS, word


def _case(ctx: StepContext) -> Case:
    if ctx.case is None:
        raise WorkflowFault("this process is not attached to a case")
    return ctx.case


def ever_escalated(ctx: StepContext, case: Case) -> bool:
    """Whether any stage of the case ran past its limit (every overdue stage escalates once)."""
    stored = ctx.session.scalars(
        select(AuditEvent.id).where(AuditEvent.case_id == case.id, AuditEvent.kind == "escalated").limit(1)
    ).first()
    return stored is not None or any(e.kind == "escalated" for e in ctx.audit)


def escalation_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def mark_warning(stage: str) -> None:
        c = _case(ctx)
        if c.stage == stage and c.colour == "blue":
            c.colour = "yellow"
        ctx.record("stage_warning", stage=stage, due=c.stage_due.isoformat() if c.stage_due else None)

    def escalate(stage: str) -> int:
        """One tier up; returns the tier that now supervises the case."""
        c = _case(ctx)
        before = c.tier
        c.tier = min(c.tier + 1, TOP_TIER)
        c.colour = "red"
        c.escalation_count = (c.escalation_count or 0) + 1
        if c.tier == TOP_TIER and c.leader_owner_id is None:
            leader = ctx.session.scalars(
                select(User).join(UserRole).where(UserRole.role == "supervisor", User.tier == TOP_TIER,
                                                  User.active.is_(True)).order_by(User.id).limit(1)
            ).first()
            c.leader_owner_id = leader.id if leader else None
        overdue_since = c.stage_due.isoformat() if c.stage_due else None
        ctx.record("escalated", stage=stage, from_tier=before, to_tier=c.tier, overdue_since=overdue_since)
        ctx.notify("escalation", f"督办：{c.number} {c.title}",
                   f"{word(STAGES, stage)}阶段已超期，升级至{TIERS[c.tier]}督办", group="supervisor", tier=c.tier)
        return c.tier

    def can_escalate() -> bool:
        return _case(ctx).tier < TOP_TIER

    return {"mark_warning": mark_warning, "escalate": escalate, "can_escalate": can_escalate}
