"""Keep the `task` table and the instance's next-timer column in step with the workflow.

Reads (inbox, board, dashboard) query these rows and never deserialize a workflow. What the rows
should say is worked out by ``project`` from the workflow, the case and the moment alone (tests/unit
check it without a database); ``sync`` only writes that onto the rows.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.specs import properties
from engine.models import Case, Department, ProcessInstance, Task

# Lanes whose tasks the case's own department works.
CASE_DEPARTMENT_LANES = ("handler", "lead")


def timer_due(task) -> datetime | None:
    """A waiting timer's due moment: SpiffWorkflow keeps the evaluated expression as its event_value."""
    value = task._get_internal_data("event_value")
    if not isinstance(value, str):
        return None
    return TimerEventDefinition.get_datetime(value)


def waiting_timers(workflow: BpmnWorkflow) -> list:
    return [t for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]


def next_timer_due(workflow: BpmnWorkflow) -> datetime | None:
    dues = [d for d in (timer_due(t) for t in waiting_timers(workflow)) if d is not None]
    return min(dues) if dues else None


def stage_timers(workflow: BpmnWorkflow) -> dict[object, dict[str, datetime]]:
    """Per (sub)workflow: the due moment of each waiting timer role (the element's `timer`
    property: warning, deadline or escalation). A stage's timers wait in the stage's
    sub-process beside its user task; a supervision's in the supervision's."""
    found: dict[object, dict[str, datetime]] = {}
    for t in waiting_timers(workflow):
        role = properties(t.task_spec).get("timer")
        due = timer_due(t)
        if role and due:
            found.setdefault(t.workflow, {})[role] = due
    return found


def case_stage_limits(timers: dict[object, dict[str, datetime]]) -> dict[str, datetime]:
    """The case's current stage deadline and warning among the waiting timers."""
    merged: dict[str, datetime] = {}
    for roles in timers.values():
        for role in ("warning", "deadline"):
            if role in roles:
                merged[role] = roles[role]
    return merged


def task_tier(data: Mapping, props: Mapping, case_tier: int | None) -> int | None:
    # Supervision tasks carry the tier they were raised to; a task may also name the tier
    # that works it (the county supervision section reviews unsatisfied cases).
    return data.get("supervise_tier") or _int(props.get("tier")) or case_tier


def first_limits(own_timers: Mapping[str, datetime],
                 stage_limits: tuple[datetime | None, datetime | None] | None) -> tuple[datetime | None, datetime | None]:
    """The (due, warn) a new task row is given: its own sub-process's timers; with none that
    falls due, ``stage_limits`` — the case's stage limits, given when the task belongs to the
    case's current stage."""
    due = own_timers.get("deadline") or own_timers.get("escalation")
    if due is None and stage_limits is not None:
        return stage_limits
    return due, own_timers.get("warning") or own_timers.get("task_warning")


def colour(stage: str | None, due_at: datetime | None, warn_at: datetime | None, now: datetime,
           case_colour: str | None = None, case_stage: str | None = None) -> str:
    if stage == "supervise":
        return "red"
    if due_at is not None and now >= due_at:
        return "red"
    if case_colour == "red" and case_stage == stage:
        return "red"
    if warn_at is not None and now >= warn_at:
        return "yellow"
    return "blue"


@dataclass(frozen=True)
class TaskValues:
    """What a ready task's row should hold. Its identity (element, name, form, stage, lane) and
    its limits are fixed when the row is created; the rest follows the workflow and the case."""

    spec: str
    name: str
    form: str | None
    stage: str | None
    candidate_group: str
    due_at: datetime | None
    warn_at: datetime | None
    tier: int | None
    colour: str
    # A joint-handling instance belongs to the department it was created for (a code).
    joint_department: str | None
    # Otherwise the handler and lead lanes are worked by the case's department.
    case_department: bool
    # Task data may name who a new task goes to (user ids): "assign_to" hands it to a person in
    # its group, "reserved_for" to one person alone (a leader's reminder, engine/org/scopes.py).
    assign_to: int | None = None
    reserved_for: int | None = None
    # A process without a case (a patrol) names its place in task data "grid_path", for the
    # scope rules of its lane (engine/org/scopes.py).
    grid_path: str | None = None


@dataclass(frozen=True)
class Projection:
    ready: dict[str, TaskValues]  # task id → values
    # The case's stage limits found among the waiting timers; None leaves the case's as they are.
    stage_due: datetime | None
    stage_warn: datetime | None
    next_timer_due: datetime | None


def project(workflow: BpmnWorkflow, case: Case | None, now: datetime,
            existing: Mapping[str, Task] | None = None) -> Projection:
    """The rows' values, from the workflow, the case and ``now``; ``existing`` are the rows
    already ready (by task id), whose identity and limits are kept."""
    existing = existing or {}
    timers = stage_timers(workflow)
    limits = case_stage_limits(timers)
    stage_due = limits.get("deadline") or (case.stage_due if case else None)
    stage_warn = limits.get("warning") or (case.stage_warn if case else None)
    ready = {}
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        task_id = str(task.id)
        spec, props, row = task.task_spec, properties(task.task_spec), existing.get(task_id)
        if row is None:
            stage = props.get("stage")
            in_case_stage = case is not None and stage == case.stage
            due_at, warn_at = first_limits(timers.get(task.workflow, {}),
                                           (stage_due, stage_warn) if in_case_stage else None)
            identity = {"spec": spec.bpmn_id, "name": spec.bpmn_name or spec.bpmn_id, "form": props.get("form"),
                        "stage": stage, "candidate_group": spec.lane or ""}
        else:
            # A task keeps the limit it was given: a later escalation timer in the same
            # supervision chain belongs to the next supervision task, not to this one.
            due_at, warn_at = row.due_at, row.warn_at
            identity = {"spec": row.spec, "name": row.name, "form": row.form, "stage": row.stage,
                        "candidate_group": row.candidate_group}
        ready[task_id] = TaskValues(
            **identity, due_at=due_at, warn_at=warn_at,
            tier=task_tier(task.data, props, case.tier if case else None),
            colour=colour(identity["stage"], due_at, warn_at, now, case.colour if case else None,
                          case.stage if case else None),
            joint_department=task.data.get("joint_department") or None,
            case_department=spec.lane in CASE_DEPARTMENT_LANES,
            assign_to=_int(task.data.get("assign_to")),
            reserved_for=_int(task.data.get("reserved_for")),
            grid_path=task.data.get("grid_path") if case is None and isinstance(task.data.get("grid_path"), str) else None,
        )
    return Projection(ready, limits.get("deadline"), limits.get("warning"), next_timer_due(workflow))


def sync(session: Session, workflow: BpmnWorkflow, instance: ProcessInstance, case: Case | None,
         now: datetime, actor: str, completed_task_id: str | None = None, *,
         ready: Mapping[str, Task] | None = None) -> list[Task]:
    """Bring rows in line with the workflow; returns rows that became ready in this step.
    ``ready``: the instance's ready rows, when the caller has them (read under the instance's
    lock, or none for an instance created in this step); otherwise they are read here."""
    # What the rows do not decide is set before they are read, so that the read flushes the
    # instance and the case once each, with the rest of the step's changes to them.
    instance.next_timer_due = next_timer_due(workflow)
    limits = case_stage_limits(stage_timers(workflow))
    if case is not None:
        if limits.get("deadline"):
            case.stage_due = limits["deadline"]
        if limits.get("warning"):
            case.stage_warn = limits["warning"]
    rows = dict(ready) if ready is not None else {row.id: row for row in session.scalars(
        select(Task).where(Task.instance_id == instance.id, Task.state == "ready"))}
    plan = project(workflow, case, now, rows)

    for task_id, row in rows.items():
        if task_id in plan.ready:
            continue
        row.state = "completed" if task_id == completed_task_id else "cancelled"
        row.completed_at = now
        row.completed_by = actor if task_id == completed_task_id else None

    if instance.id is None:
        # A new instance (Runtime.start) is written here, once, with its state: its rows need its id.
        session.flush()
    created = []
    departments: dict[str, int | None] = {}
    for task_id, values in plan.ready.items():
        row = rows.get(task_id)
        if row is None:
            row = Task(
                id=task_id, instance_id=instance.id, case_id=case.id if case else None,
                spec=values.spec, name=values.name, form=values.form, stage=values.stage,
                candidate_group=values.candidate_group, due_at=values.due_at, warn_at=values.warn_at,
                created_at=now, state="ready", reserved_for_id=values.reserved_for,
                assignee_id=values.reserved_for or values.assign_to,
            )
            session.add(row)
            created.append(row)
        row.grid_path = case.grid_path if case else values.grid_path
        row.category = case.category if case else None
        row.channel = case.channel if case else None
        row.department_id = _department_id(session, values, case, departments)
        row.tier = values.tier
        row.colour = values.colour
    return created


def _int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _department_id(session: Session, values: TaskValues, case: Case | None, cache: dict[str, int | None]) -> int | None:
    code = values.joint_department
    if code:
        if code not in cache:
            cache[code] = session.scalar(select(Department.id).where(Department.code == code))
        return cache[code]
    if values.case_department and case is not None:
        return case.department_id
    return None
