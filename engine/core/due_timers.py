"""Timers whose moment has passed, fired within a step: the worker's tick (engine/timers/fire.py)
and a person completing a task (engine/work/tasks.complete_task) both fire them this way, so what
was due happens first, whoever moves the process next — a return (退单) completed after the
return window's timer was due but before the worker's tick meets the window already closed.
"""
from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.util.task import TaskState

from engine.core.projection import timer_due, waiting_timers


def fire_due_timers(workflow, ctx, now: datetime) -> list[tuple[str, str]]:
    """Refresh the workflow's waiting timers; each one that fired (due before ``now``) is recorded as
    a ``timer_fired`` audit event. Returns (element, due) of those fired."""
    before = {t.id: (t.task_spec.bpmn_id, timer_due(t)) for t in waiting_timers(workflow)}
    workflow.refresh_timers()
    fired = []
    for task_id, (element, due) in before.items():
        task = workflow.get_task_from_id(task_id)
        if due is not None and due < now and (task is None or task.state != TaskState.WAITING):
            fired.append((element, due.isoformat()))
            ctx.record("timer_fired", element=element, due=due.isoformat())
    return fired
