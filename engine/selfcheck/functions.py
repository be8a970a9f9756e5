"""What workflows/bpmn/selfcheck.bpmn calls: the reminder before the deadline (yellow, a text to
the enterprise), the overdue task handed to the grid officer of the enterprise's grid (red, a task
in their inbox), the next tier told when that is late too (一级督一级, as the complaint loop and
engine/patrol/functions.py), the submission, the review's accept-or-return, and the reopening of
the enterprise's link with a new deadline."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import TOP_TIER, User
from engine.models.enterprise import Enterprise
from engine.models.selfcheck import SelfCheckTask
from engine.patrol.functions import supervisors_over
from engine.patrol.schedule import officer_for
from engine.selfcheck import tokens
from engine.sms import outbox
from engine.sms.settings import load as load_sms
from engine.vocabulary.words import TIERS

OPEN = ("waiting", "correcting")
DECISIONS = ("accept", "correct")


def _phone(enterprise: Enterprise) -> str | None:
    return next((str(c.get("phone")).strip() for c in enterprise.contacts or [] if str(c.get("phone") or "").strip()),
                None)


def _contacts(enterprise: Enterprise) -> str:
    return "；".join(f"{c.get('name') or ''} {c.get('phone') or ''}".strip() for c in enterprise.contacts or [])


def _text(ctx: StepContext, enterprise: Enterprise, text: str) -> None:
    settings = load_sms(ctx.session)
    phone = _phone(enterprise)
    if settings.enabled and phone:
        outbox.queue(ctx.session, phone=phone, text=text, kind="selfcheck", now=ctx.now())


def selfcheck_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def _task(selfcheck_id) -> tuple[SelfCheckTask, Enterprise]:
        task = ctx.session.get(SelfCheckTask, int(selfcheck_id))
        if task is None:
            raise WorkflowFault(f"self-inspection {selfcheck_id} not found")
        return task, ctx.session.get(Enterprise, task.enterprise_id)

    def _day(when: datetime) -> str:
        return f"{when.astimezone(ctx.timezone):%Y-%m-%d %H:%M}"

    def selfcheck_warning(selfcheck_id) -> None:
        task, enterprise = _task(selfcheck_id)
        if task.status not in OPEN:
            return
        if task.colour == "blue":
            task.colour = "yellow"
        _text(ctx, enterprise, f"{enterprise.name}：环保自查将于 {_day(task.due_at)} 到期，请使用此前短信中的链接尽快填报。")
        ctx.record("selfcheck_warning", selfcheck_id=task.id, due=task.due_at.isoformat())

    def escalate_selfcheck(selfcheck_id) -> int | None:
        """Overdue: red, and the grid officer of the enterprise's grid (or the nearest node above)
        gets the task to contact it; returns that officer (the task is reserved for them)."""
        task, enterprise = _task(selfcheck_id)
        task.overdue, task.colour = True, "red"
        officer = officer_for(ctx.session, SimpleNamespace(officer_id=None, grid_id=enterprise.grid_id))
        task.officer_id, task.escalated_tier = officer, 1
        ctx.record("selfcheck_overdue", selfcheck_id=task.id, enterprise=enterprise.name, officer=officer)
        if officer:
            ctx.notify("escalation", f"督办：{enterprise.name} 企业自查逾期",
                       f"“{enterprise.name}”应于 {_day(task.due_at)} 前完成自查，尚未提交，请联系企业并记录结果。"
                       f"联系人：{_contacts(enterprise) or '未登记'}",
                       user_id=officer)
        return officer

    def escalate_selfcheck_up(selfcheck_id) -> int:
        """The officer's contact task ran late: one tier up is told."""
        task, enterprise = _task(selfcheck_id)
        officer = ctx.session.get(User, task.officer_id) if task.officer_id else None
        tier = min((officer.tier if officer and officer.tier else 1) + 1, TOP_TIER)
        task.escalated_tier = tier
        ctx.record("selfcheck_escalated", selfcheck_id=task.id, tier=str(TIERS[tier]), to_tier=tier)
        for user_id in supervisors_over(ctx.session, task.grid_path, tier):
            ctx.notify("escalation", f"督办：{enterprise.name} 企业自查逾期未督促",
                       f"“{enterprise.name}”的企业自查逾期，网格员督促也已逾期，升级至{TIERS[tier]}督办。",
                       user_id=user_id)
        return tier

    def record_selfcheck_contact(selfcheck_id, outcome) -> None:
        task, _enterprise = _task(selfcheck_id)
        task.contact_outcome = str(outcome or "")[:2000]
        ctx.record("selfcheck_contacted", selfcheck_id=task.id, outcome=task.contact_outcome)

    def record_selfcheck_submitted(selfcheck_id) -> None:
        task, _enterprise = _task(selfcheck_id)
        if task.status not in OPEN:
            raise WorkflowFault(f"self-inspection {task.id} is {task.status}")
        now = ctx.now()
        task.status, task.submitted_at = "submitted", now
        if task.on_time is None:  # the first submission decides; a correction does not change it
            task.on_time = now <= task.due_at
        if task.colour == "yellow":
            task.colour = "blue"
        ctx.record("selfcheck_submitted", selfcheck_id=task.id, on_time=task.on_time)

    def review_selfcheck(selfcheck_id, decision, comment=None) -> bool:
        task, _enterprise = _task(selfcheck_id)
        if decision not in DECISIONS:
            raise WorkflowFault(f"decision must be one of {DECISIONS}", element="decision")
        if task.status != "submitted":
            raise WorkflowFault(f"self-inspection {task.id} is {task.status}")
        comment = (comment or "").strip() or None
        task.reviewed_by, task.reviewed_at, task.review_comment = ctx.actor, ctx.now(), comment
        if decision == "accept":
            task.status, task.colour = "accepted", "green"
            ctx.record("selfcheck_accepted", selfcheck_id=task.id, comment=comment)
            return True
        if not comment:
            raise WorkflowFault("退回补正须填写审核意见 (say what to correct)", element="review_comment")
        task.status, task.corrections = "correcting", task.corrections + 1
        ctx.record("selfcheck_returned", selfcheck_id=task.id, comment=comment)
        return False

    def reopen_selfcheck(selfcheck_id, due_at) -> None:
        """The link opens again until the new deadline (and its grace); the enterprise is told."""
        task, enterprise = _task(selfcheck_id)
        due = datetime.fromisoformat(due_at)
        task.due_at, task.colour = due, "blue"
        task.token_expires_at = max(task.token_expires_at, tokens.expiry(ctx.calendar, due))
        _text(ctx, enterprise, f"{enterprise.name}：环保自查需补正（{task.review_comment}），"
                               f"请于 {_day(due)} 前使用原链接修改后重新提交。")

    return {"selfcheck_warning": selfcheck_warning, "escalate_selfcheck": escalate_selfcheck,
            "escalate_selfcheck_up": escalate_selfcheck_up, "record_selfcheck_contact": record_selfcheck_contact,
            "record_selfcheck_submitted": record_selfcheck_submitted, "review_selfcheck": review_selfcheck,
            "reopen_selfcheck": reopen_selfcheck}
