"""The diagram functions that move a case through its life: stages, acceptance, assignment,
transfer, return, extension, review, closure, reopening, follow-up.

Each changes the case row and records an audit event in the step's context, so it lands in the
step's transaction. Escalation has its own module (engine/cases/escalation.py), deadlines theirs
(engine/calendar/deadlines.py); engine/bootstrap.py hands all of them to the runtime.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from engine.cases.escalation import ever_escalated
from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import SET_ASIDE_STATUSES, TOP_TIER, Case, Department


def case_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def case() -> Case:
        if ctx.case is None:
            raise WorkflowFault("this process is not attached to a case")
        return ctx.case

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
        return ctx.now().isoformat()

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
        if c.assigned_at is None:
            c.assigned_at = ctx.now()
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
        c.return_count = (c.return_count or 0) + 1

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
        c.closed_on_time = not ever_escalated(ctx, c)
        c.handling_workdays = (ctx.calendar.working_days_between(c.accepted_at, c.closed_at)
                               if c.accepted_at is not None else None)
        c.colour = "green"
        ctx.record("closed", on_time=c.closed_on_time)

    def reopen_case(comment: str | None = None) -> str:
        c = case()
        c.status = "reopened"
        c.reopened = True
        c.closed_at = None
        c.closed_on_time = None
        c.handling_workdays = None
        c.followed_up_at = None
        c.extension_days = 0
        ctx.record("reopened", comment=comment)
        return ctx.now().isoformat()

    def record_satisfaction(value: str, comment: str | None = None) -> None:
        c = case()
        c.satisfaction = value
        c.followed_up_at = ctx.now()
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
        "enter_stage": enter_stage, "set_status": set_status, "accept_case": accept_case, "merge_into": merge_into,
        "assign_case": assign_case, "transfer_case": transfer_case, "return_case": return_case,
        "grant_extension": grant_extension, "refuse_extension": refuse_extension,
        "review_rejected": review_rejected, "close_case": close_case, "reopen_case": reopen_case,
        "record_satisfaction": record_satisfaction, "finish_case": finish_case,
    }
