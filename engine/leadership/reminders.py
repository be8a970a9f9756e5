"""The leader's processes beside a case's own loop, and the diagram functions they call.

- ``leader_check`` (workflows/bpmn/leader_check.bpmn): a progress check with a next check date
  waits for that date's morning, then gives the owning leader — them alone (the task is reserved
  for them, engine/org/scopes.py) — the task 调度提醒; completing it records the next check, which
  may set the next reminder. One reminder per case: recording a check replaces the waiting one.
- ``leader_follow_up`` (workflows/bpmn/leader_follow_up.bpmn): one per follow-up item of a
  meeting, a task for the responsible department (or one of its handlers) with a deadline in
  working days; past it the leader is told and the item stays open until it is reported done.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import WorkflowFault
from engine.core.runtime import Runtime
from engine.core.specs import require_latest
from engine.core.step_context import StepContext
from engine.leadership.errors import MESSAGES, Problems
from engine.leadership.progress import check_next, write_check
from engine.models import CLOSED_STATUSES, Case, ProcessDefinition, ProcessInstance, Task

CHECK_PROCESS = "leader_check"
FOLLOW_UP_PROCESS = "leader_follow_up"
STARTED = "side_process_started"


def _running(session: Session, case_id: int, process_id: str) -> list[ProcessInstance]:
    return list(session.scalars(
        select(ProcessInstance).join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.case_id == case_id, ProcessInstance.status == "running",
               ProcessDefinition.process_id == process_id).order_by(ProcessInstance.id)))


def stop_check_reminders(session: Session, runtime: Runtime, case: Case, actor: str) -> int:
    """Cancel the case's waiting reminder (and its task, if it is already due); returns how many."""
    stopped = 0
    for instance in _running(session, case.id, CHECK_PROCESS):
        runtime.step(session, runtime.lock_instance(session, instance.id), case, actor,
                     lambda workflow, ctx: workflow.cancel())
        stopped += 1
    return stopped


def schedule_check(session: Session, runtime: Runtime, case: Case, *, leader_id: int, next_check: date | None,
                   actor: str) -> ProcessInstance | None:
    """Replace the case's reminder by one for ``next_check`` (none when it is None)."""
    stop_check_reminders(session, runtime, case, actor)
    if next_check is None:
        return None
    result = runtime.start(session, case, {"next_check": next_check.isoformat(), "reserved_for": leader_id},
                           actor, definition=require_latest(session, CHECK_PROCESS), started=STARTED)
    return result.instance


def start_follow_up(session: Session, runtime: Runtime, case: Case, item: dict, *, record_id: int,
                    actor: str) -> Task | None:
    """Start one follow-up item (checked by engine/leadership/records.py); returns its task."""
    data = {"item": item["item"], "joint_department": item["department"], "assign_to": item.get("person_id"),
            "assigned_at": runtime.now().isoformat(), "due_days": int(item["days"]), "meeting": record_id}
    result = runtime.start(session, case, data, actor, definition=require_latest(session, FOLLOW_UP_PROCESS),
                           started=STARTED)
    return result.new_tasks[0] if result.new_tasks else None


def next_check_reminder(session: Session, case_id: int) -> ProcessInstance | None:
    """The case's waiting (or due) reminder, if any."""
    found = _running(session, case_id, CHECK_PROCESS)
    return found[-1] if found else None


# ------------------------------------------------------------------ what the diagrams call


def leadership_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def _case() -> Case:
        if ctx.case is None:
            raise WorkflowFault("this process is not attached to a case")
        return ctx.case

    def _today() -> date:
        return ctx.now().astimezone(ctx.timezone).date()

    def reminder_wanted() -> bool:
        """Whether the reminder still has someone to remind: the case is open and still owned by
        the leader it was set for."""
        case = _case()
        return case.status not in CLOSED_STATUSES and case.leader_owner_id is not None

    def record_progress_check(decisions: str, next_check: str | None = None) -> str | None:
        """The reminder's form recorded a check; returns the next check date (or None: no more)."""
        case = _case()
        problems = Problems()
        when = check_next(next_check, _today(), problems)
        if problems:
            code = problems["next_check"][0]
            raise WorkflowFault(MESSAGES.get(code, code), element="next_check")
        write_check(ctx.session, case, leader_id=case.leader_owner_id, held_on=_today(),
                            decisions=(decisions or "").strip(), next_check=when, actor=ctx.actor,
                            at=ctx.now(), record=lambda kind, **d: ctx.record(kind, **{k: v for k, v in d.items()
                                                                                       if v is not None}))
        return when.isoformat() if when and reminder_wanted() else None

    def follow_up_overdue(item: str) -> None:
        """A follow-up item ran past its deadline: say so in the timeline and tell the leader."""
        case = _case()
        ctx.record("leader_follow_up_overdue", item=item, due=ctx.now().isoformat())
        if case.leader_owner_id is not None:
            ctx.notify("warning", f"会商落实事项超期：{case.number} {case.title}",
                       f"落实事项“{item}”已超过期限，尚未报告落实情况。", user_id=case.leader_owner_id)

    return {"reminder_wanted": reminder_wanted, "record_progress_check": record_progress_check,
            "follow_up_overdue": follow_up_overdue}
