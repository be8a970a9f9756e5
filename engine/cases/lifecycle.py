"""The functions a diagram's scripts and expressions may call (and nothing else).

Timer expressions return ISO-8601 strings with an explicit offset, because SpiffWorkflow reads
an offset-less timeDate in server-local time.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import SET_ASIDE_STATUSES, TOP_TIER, AuditEvent, Case, Department, User, UserRole
from engine.vocabulary.words import STAGES, TIERS, word


def _parse(value: str | datetime) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise WorkflowFault(f"time {value!r} has no timezone offset")
    return when


def make_helpers(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def case() -> Case:
        if ctx.case is None:
            raise WorkflowFault("this process is not attached to a case")
        return ctx.case

    def now() -> str:
        return ctx.now().isoformat()

    def _limit(days: int, urgent_hours: float | None) -> dict[str, Any]:
        if urgent_hours is not None and ctx.case is not None and ctx.case.urgent:
            return {"hours": urgent_hours}
        return {"days": int(days)}

    def deadline(start: str, days: int, urgent_hours: float | None = None) -> str:
        """Due moment of a stage: N working days after start, or hours for urgent cases."""
        return ctx.calendar.deadline(_parse(start), **_limit(days, urgent_hours)).isoformat()

    def warning(start: str, days: int, urgent_hours: float | None = None) -> str:
        return ctx.calendar.warning(_parse(start), **_limit(days, urgent_hours)).isoformat()

    def enter_stage(stage: str) -> None:
        c = case()
        c.stage = stage
        c.stage_started_at = ctx.now()
        c.stage_due = c.stage_warn = None
        if c.status in ("accepted", "reopened") and stage not in ("receive", "assign"):
            c.status = "handling"
        # A new stage starts inside its time limit; red only comes back if it runs over.
        c.colour = "blue"
        ctx.record("stage_entered", stage=stage)

    def mark_warning(stage: str) -> None:
        c = case()
        if c.stage == stage and c.colour == "blue":
            c.colour = "yellow"
        ctx.record("stage_warning", stage=stage, due=c.stage_due.isoformat() if c.stage_due else None)

    def escalate(stage: str) -> int:
        """One tier up (一级督一级); returns the tier that now supervises the case."""
        c = case()
        before = c.tier
        c.tier = min(c.tier + 1, TOP_TIER)
        c.colour = "red"
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
        return case().tier < TOP_TIER

    def set_status(status: str, reason: str | None = None) -> None:
        c = case()
        c.status = status
        if status in SET_ASIDE_STATUSES:
            c.closed_at = ctx.now()
            c.stage = None
            c.colour = "green"
        ctx.record("status", status=status, reason=reason)

    def accept_case(category: str | None = None, urgent: bool | None = None) -> str:
        """Accept (受理), applying the intake officer's corrections; returns the acceptance time."""
        c = case()
        corrections = {}
        if category and category != c.category:
            corrections["category"] = [c.category, category]
            c.category = category
        if urgent is not None and bool(urgent) != c.urgent:
            corrections["urgent"] = [c.urgent, bool(urgent)]
            c.urgent = bool(urgent)
        c.status = "accepted"
        c.accepted_at = ctx.now()
        ctx.record("accepted", **corrections)
        return now()

    def merge_into(number: str) -> None:
        c = case()
        parent = ctx.session.scalars(select(Case).where(Case.number == number.strip())).first()
        if parent is None:
            raise WorkflowFault(f"重复件的主件 {number} 不存在 (no case numbered {number})", element="duplicate_of")
        if parent.id == c.id:
            raise WorkflowFault("一个案件不能合并到它自己 (a case cannot be merged into itself)",
                                element="duplicate_of")
        c.parent_id = parent.id
        set_status("merged", reason=f"并入 {parent.number}")

    def _department(code: str) -> Department:
        dep = ctx.session.scalars(select(Department).where(Department.code == code)).first()
        if dep is None:
            raise WorkflowFault(f"部门 {code} 不存在 (unknown department {code})", element="department")
        return dep

    def assign_case(department: str, joint_departments: list | None = None, tier: int | None = None) -> None:
        c = case()
        c.department_id = _department(department).id
        for code in joint_departments or []:
            _department(code)
        if tier:
            c.tier = max(1, min(int(tier), TOP_TIER))
        ctx.record("assigned", department=department, joint=list(joint_departments or []), tier=c.tier)

    def transfer_case(agency: str, reason: str) -> None:
        c = case()
        c.transferred_to = agency
        set_status("transferred", reason=reason)
        ctx.record("transferred", agency=agency, reason=reason)

    def return_case(reason: str) -> None:
        c = case()
        ctx.record("returned", department=c.department.code if c.department else None, reason=reason)
        c.department_id = None

    def grant_extension(days: int) -> None:
        c = case()
        c.extension_days += int(days)
        ctx.record("extension_granted", days=int(days), total=c.extension_days)

    def refuse_extension(comment: str) -> None:
        ctx.record("extension_refused", comment=comment)

    def review_rejected(comment: str) -> None:
        ctx.record("review_rejected", comment=comment)

    def close_case() -> None:
        c = case()
        c.status = "closed"
        c.closed_at = ctx.now()
        c.closed_on_time = _on_time(c)
        c.colour = "green"
        ctx.record("closed", on_time=c.closed_on_time)

    def _on_time(c: Case) -> bool:
        # On time means no stage ever ran past its limit: every overdue stage escalates once.
        escalated_before = ctx.session.scalars(
            select(AuditEvent.id).where(AuditEvent.case_id == c.id, AuditEvent.kind == "escalated").limit(1)
        ).first()
        return escalated_before is None and not any(e.kind == "escalated" for e in ctx.audit)

    def reopen_case(comment: str | None = None) -> str:
        c = case()
        c.status = "reopened"
        c.reopened = True
        c.closed_at = None
        c.closed_on_time = None
        c.extension_days = 0
        ctx.record("reopened", comment=comment)
        return now()

    def record_satisfaction(value: str, comment: str | None = None) -> None:
        c = case()
        c.satisfaction = value
        ctx.record("satisfaction", value=value, comment=comment)

    def finish_case() -> None:
        c = case()
        c.status = "closed"
        c.stage = None
        c.colour = "green"
        if c.closed_at is None:
            c.closed_at = ctx.now()
        ctx.record("finished")

    return {
        "now": now, "deadline": deadline, "warning": warning, "enter_stage": enter_stage,
        "mark_warning": mark_warning, "escalate": escalate, "can_escalate": can_escalate,
        "set_status": set_status, "accept_case": accept_case, "merge_into": merge_into,
        "assign_case": assign_case, "transfer_case": transfer_case, "return_case": return_case,
        "grant_extension": grant_extension, "refuse_extension": refuse_extension,
        "review_rejected": review_rejected, "close_case": close_case, "reopen_case": reopen_case,
        "record_satisfaction": record_satisfaction, "finish_case": finish_case,
    }
