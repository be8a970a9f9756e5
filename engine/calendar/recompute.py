"""Moving the deadlines a working-calendar change affects: which running instances may have a
timer due on or after the changed day, and re-evaluating each one's timers under the old and the
new calendar (engine/calendar/admin.py says the rule). Each instance moves in a savepoint of the
caller's transaction, through the engine's step (audit trail and task projection included)."""
from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, time, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition, TimerEventDefinition
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from engine.calendar.workdays import WorkCalendar
from engine.core.projection import timer_due, waiting_timers
from engine.core.runtime import Runtime
from engine.models import Case, ProcessInstance, Task

log = logging.getLogger(__name__)


class _Unchanged(Exception):
    """Raised inside a step that found nothing to move, so its savepoint is rolled back."""


def start_of(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(timezone.utc)


def candidates(since: datetime):
    """Running instances that may have a timer due on or after ``since`` (a query of ids, in id
    order).

    Every stage deadline shows as the case's stage due or a ready task's due, and the earliest
    timer as next_timer_due, so this finds them without opening every workflow.
    """
    task_due = exists().where(Task.instance_id == ProcessInstance.id, Task.state == "ready", Task.due_at >= since)
    return (select(ProcessInstance.id).outerjoin(Case, Case.id == ProcessInstance.case_id)
            .where(ProcessInstance.status == "running", ProcessInstance.next_timer_due.is_not(None),
                   or_(ProcessInstance.next_timer_due >= since, Case.stage_due >= since, task_due))
            .order_by(ProcessInstance.id))


def recompute(session: Session, runtime: Runtime, before: WorkCalendar, day: date, actor: str,
              instance_ids: list[int]) -> list[int]:
    """Move the deadlines of these instances that ran across ``day`` under the ``before``
    calendar; the case ids whose deadlines moved."""
    since = start_of(day, before.tz)
    moved: list[int] = []
    for instance_id in instance_ids:
        instance = runtime.lock_instance(session, instance_id)
        case = session.get(Case, instance.case_id) if instance.case_id else None
        try:
            with session.begin_nested():
                runtime.step(session, instance, case, actor, _mover(runtime, session, instance.id, before, since, day))
        except _Unchanged:
            continue
        if case is not None:
            moved.append(case.id)
    return moved


def _mover(runtime: Runtime, session: Session, instance_id: int, before: WorkCalendar, since: datetime, day: date):
    def move(workflow, ctx) -> None:
        old_engine = runtime.script_engine(replace(ctx, calendar=before, audit=[], notices=[]))
        changes: dict[datetime, datetime] = {}
        details = []
        for task in waiting_timers(workflow):
            definition = task.task_spec.event_definition
            due = timer_due(task)
            # Duration and cycle timers count clock time from when they started: no calendar.
            if not isinstance(definition, TimeDateEventDefinition) or due is None or due < since:
                continue
            stored = task._get_internal_data("event_value")
            try:
                if old_engine.evaluate(task, definition.expression) != stored:
                    continue
                value = workflow.script_engine.evaluate(task, definition.expression)
            except Exception:  # noqa: BLE001 - this evaluated when the timer started; keep its due
                log.warning("timer %s of instance %s not re-evaluated", task.task_spec.bpmn_id, instance_id,
                            exc_info=True)
                continue
            if value == stored:
                continue
            task._set_internal_data(event_value=value)
            changes[due] = TimerEventDefinition.get_datetime(value)
            details.append({"element": task.task_spec.bpmn_id, "old": due.isoformat(),
                            "new": changes[due].isoformat()})
        if not changes:
            raise _Unchanged
        # Task rows keep the limit they were created with (projection.sync), so move them here.
        for row in session.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")):
            row.due_at = changes.get(row.due_at, row.due_at)
            row.warn_at = changes.get(row.warn_at, row.warn_at)
        ctx.record("deadline_recomputed", day=day.isoformat(), changes=details)

    return move
