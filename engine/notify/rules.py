"""What each engine step tells whom: one place derives the notifications from the step's audit
events, the notices its diagram functions raised and its new tasks (runtime hook, wired in
engine/bootstrap.py).
"""
from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.timefmt import deadline_text
from engine.models import Case, Department, Task
from engine.notify.delivery import Audience, Message, deliver
from engine.vocabulary.words import STAGES, word

log = logging.getLogger(__name__)
FOLLOW_UP = "follow_up"  # the stage a closed case waits in for its follow-up call (workflows/bpmn/complaint.bpmn)


def _headline(case: Case) -> str:
    return f"{case.number} {case.title}"


def from_step(outcome) -> None:
    """Derive this step's notifications from its audit events, notices and new tasks (see module
    doc). Called by the runtime after every step (engine/bootstrap.py wires it)."""
    ctx, new_tasks = outcome.context, outcome.new_tasks
    case = ctx.case
    session: Session = ctx.session
    if case is None:
        # A process without a case (a patrol, engine/patrol/functions.py) tells the people its
        # functions name; there is no case for group audiences or events to be about.
        personal = [Message(n.kind, n.title, n.body, Audience(user_id=n.user_id)) for n in ctx.notices if n.user_id]
        if personal:
            deliver(session, None, personal, ctx.now())
        return
    tz = ctx.timezone
    messages: list[Message] = [
        Message(n.kind, n.title, n.body, Audience(group=n.group, department_id=n.department_id,
                                                  grid_path=case.grid_path, tier=n.tier, user_id=n.user_id))
        for n in ctx.notices]

    for event in ctx.audit:
        messages.extend(_event_messages(session, case, event, tz))

    for task in new_tasks:
        if task.stage == "supervise":
            continue  # raised by an escalation, which has already told that tier
        stage = word(STAGES, task.stage)
        messages.append(Message(
            "task", f"新任务：{task.name} · {_headline(case)}",
            f"{stage}阶段待办，期限 {deadline_text(task.due_at, tz) or '—'}。", Audience.of_task(task),
            stage=task.stage))

    if messages:
        told = deliver(session, case, messages, ctx.now())
        if not told:
            log.info("case %s: nobody in scope to notify for %s", case.number, sorted({m.kind for m in messages}))


def _stage_tasks(session: Session, case: Case, stage: str | None) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.case_id == case.id, Task.state == "ready",
                                                   Task.stage == stage).order_by(Task.created_at)))


def _handlers_of(case: Case) -> Audience:
    return Audience(group="handler", department_id=case.department_id, grid_path=case.grid_path)


def _event_messages(session: Session, case: Case, event, tz: ZoneInfo) -> list[Message]:
    detail = event.detail or {}
    head = _headline(case)
    if event.kind == "stage_warning":
        stage = word(STAGES, event.stage)
        due = datetime.fromisoformat(detail["due"]) if detail.get("due") else case.stage_due
        return [Message("warning", f"预警：{head}",
                        f"{stage}阶段将于 {deadline_text(due, tz)} 到期，请抓紧办理。", Audience.of_task(task),
                        stage=event.stage)
                for task in _stage_tasks(session, case, event.stage)]
    if event.kind == "returned":
        department = session.scalar(select(Department.name).where(Department.code == detail.get("department"))) \
            if detail.get("department") else None
        return [Message("returned", f"退单：{head}",
                        f"{department or '承办部门'}退回，原因：{detail.get('reason') or '—'}。请重新交办。",
                        Audience(group="intake", grid_path=case.grid_path))]
    if event.kind == "review_rejected":
        return [Message("approval", f"审批结果：审核未通过 · {head}",
                        f"审核意见：{detail.get('comment') or '—'}。请补充办理后重新反馈。", _handlers_of(case))]
    if event.kind == "extension_granted":
        return [Message("approval", f"审批结果：延期已批准 · {head}",
                        f"延期 {detail.get('days')} 个工作日，新的办理期限 {deadline_text(case.stage_due, tz) or '—'}。",
                        _handlers_of(case))]
    if event.kind == "extension_refused":
        return [Message("approval", f"审批结果：延期未批准 · {head}",
                        f"意见：{detail.get('comment') or '—'}。请在原期限 {deadline_text(case.stage_due, tz) or '—'} 前办结。",
                        _handlers_of(case))]
    if event.kind == "closed":
        return [Message("closed", f"办结待回访：{head}", "案件已办结，请按期回访投诉人并记录满意度。",
                        Audience(group="intake", grid_path=case.grid_path), stage=FOLLOW_UP)]
    return []


