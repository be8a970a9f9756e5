"""Keep the `task` table and the instance's next-timer column in step with the workflow.

Reads (inbox, board, dashboard) query these rows and never deserialize a workflow.
"""
from __future__ import annotations

from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import Case, Department, ProcessInstance, Task


def _props(task_spec) -> dict:
    return getattr(task_spec, "extensions", {}).get("properties", {})


def _timer_due(task) -> datetime | None:
    value = task._get_internal_data("event_value")
    if not isinstance(value, str):
        return None
    return TimerEventDefinition.get_datetime(value)


def waiting_timers(workflow: BpmnWorkflow) -> list:
    return [t for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]


def next_timer_due(workflow: BpmnWorkflow) -> datetime | None:
    dues = [d for d in (_timer_due(t) for t in waiting_timers(workflow)) if d is not None]
    return min(dues) if dues else None


def _stage_timers(workflow: BpmnWorkflow) -> dict[object, dict[str, datetime]]:
    """Per (sub)workflow: the due moment of each waiting timer role (warning/deadline/escalation)."""
    found: dict[object, dict[str, datetime]] = {}
    for t in waiting_timers(workflow):
        role = _props(t.task_spec).get("timer")
        due = _timer_due(t)
        if role and due:
            found.setdefault(t.workflow, {})[role] = due
    return found


def sync(session: Session, workflow: BpmnWorkflow, instance: ProcessInstance, case: Case | None,
         now: datetime, actor: str, completed_task_id: str | None = None) -> list[Task]:
    """Bring rows in line with the workflow; returns rows that became ready in this step."""
    timers = _stage_timers(workflow)
    if case is not None:
        stage_timers = _main_stage_timers(timers)
        if stage_timers.get("deadline"):
            case.stage_due = stage_timers["deadline"]
        if stage_timers.get("warning"):
            case.stage_warn = stage_timers["warning"]

    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    rows = {row.id: row for row in session.scalars(
        select(Task).where(Task.instance_id == instance.id, Task.state == "ready"))}

    for task_id, row in rows.items():
        if task_id in ready:
            continue
        row.state = "completed" if task_id == completed_task_id else "cancelled"
        row.completed_at = now
        row.completed_by = actor if task_id == completed_task_id else None

    created = []
    departments: dict[str, int | None] = {}
    for task_id, task in ready.items():
        row = rows.get(task_id)
        props = _props(task.task_spec)
        due = timers.get(task.workflow, {})
        if row is None:
            row = Task(
                id=task_id, instance_id=instance.id, case_id=case.id if case else None,
                spec=task.task_spec.bpmn_id, name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                form=props.get("form"), stage=props.get("stage"), candidate_group=task.task_spec.lane or "",
                created_at=now, state="ready",
            )
            session.add(row)
            created.append(row)
        row.grid_path = case.grid_path if case else None
        row.category = case.category if case else None
        row.channel = case.channel if case else None
        row.department_id = _task_department(session, task, case, departments)
        # Supervision tasks carry the tier they were raised to; a task may also name the tier
        # that works it (the county supervision section reviews unsatisfied cases).
        row.tier = task.data.get("supervise_tier") or _int(props.get("tier")) or (case.tier if case else None)
        if row in created:
            # A task keeps the limit it was given: a later escalation timer in the same
            # supervision chain belongs to the next supervision task, not to this one.
            row.due_at = due.get("deadline") or due.get("escalation")
            row.warn_at = due.get("warning")
            if row.due_at is None and case is not None and row.stage == case.stage:
                row.due_at, row.warn_at = case.stage_due, case.stage_warn
        row.colour = _colour(row, case, now)
    instance.next_timer_due = next_timer_due(workflow)
    return created


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _main_stage_timers(timers: dict[object, dict[str, datetime]]) -> dict[str, datetime]:
    merged: dict[str, datetime] = {}
    for roles in timers.values():
        for role in ("warning", "deadline"):
            if role in roles:
                merged[role] = roles[role]
    return merged


def _task_department(session: Session, task, case: Case | None, cache: dict[str, int | None]) -> int | None:
    # A joint-handling instance belongs to the department it was created for.
    code = task.data.get("joint_department")
    if code:
        if code not in cache:
            cache[code] = session.scalar(select(Department.id).where(Department.code == code))
        return cache[code]
    if task.task_spec.lane in ("handler", "lead") and case is not None:
        return case.department_id
    return None


def _colour(row: Task, case: Case | None, now: datetime) -> str:
    if row.stage == "supervise":
        return "red"
    if row.due_at is not None and now >= row.due_at:
        return "red"
    if case is not None and case.colour == "red" and case.stage == row.stage:
        return "red"
    if row.warn_at is not None and now >= row.warn_at:
        return "yellow"
    return "blue"
