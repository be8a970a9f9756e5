"""What people do to tasks: claim, release, complete (with form data)."""
from __future__ import annotations

from uuid import UUID

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from engine.core import reference_cache
from engine.core.due_timers import fire_due_timers
from engine.core.errors import FormInvalid, NotFound, TaskClaimed, TaskConflict, WorkflowFault
from engine.core.runtime import Runtime, StepResult
from engine.core.specs import properties
from engine.core.text import UnsafeText, clean_tree
from engine.definitions import form_store
from engine.models import AuditEvent, Case, ProcessInstance, Task, User
from engine.work.task_files import own_files_only


def _ready_row(session, task_id: str) -> Task:
    row = session.get(Task, task_id)
    if row is None:
        raise NotFound(f"任务 {task_id} 不存在 (no such task)")
    return row


def complete_task(session: Session, runtime: Runtime, task_id: str, data: dict, actor: str, lang: str = "zh_CN",
                  *, user_id: int | None = None) -> StepResult:
    """Complete a ready task with its form data.

    ``user_id``: the staff member completing it (the web app and the API pass theirs). A task
    someone else has claimed is theirs alone (TaskClaimed) until they release it or a supervisor
    reassigns it; an unclaimed task may be completed by anyone allowed to see it (the inbox's
    one-step "open and do"). Without ``user_id`` the process itself is acting, not a colleague:
    the complainant's own rating completes the follow-up (回访) even while an intake clerk holds
    it for a phone call (engine/public/portal.py), and so do the demo and the benchmarks.
    """
    with reference_cache.scope(session):  # one look at the reference generation for the whole step
        return _complete(session, runtime, task_id, data, actor, lang, user_id)


def _complete(session: Session, runtime: Runtime, task_id: str, data: dict, actor: str, lang: str,
              user_id: int | None) -> StepResult:
    # The instance is locked through the task's id, with its case, in one statement; the form is
    # validated under that lock, which costs a millisecond and no statement (the form is cached).
    # The task rows are read again under the instance's lock, not locked FOR UPDATE: a
    # supervisor's reassign locks the case, then the task, and a step changes the case after
    # this; locking the task here would order them the other way round. A claim racing this
    # completion is as if it came just after it.
    instance, case = runtime.lock_instance_and_case(session, task_id=task_id)
    ready = runtime.ready_rows(session, instance)
    row = ready.get(task_id)
    if row is None:
        row = _ready_row(session, task_id)
        session.refresh(row)
        raise TaskConflict(task_id, row.completed_by, row.state)
    clean = _validated(session, row, data, lang)
    if user_id is not None:
        _refuse_if_claimed_by_another(session, row, user_id)
    if case is None and row.case_id:  # a task about a case its process is not attached to
        case = session.get(Case, row.case_id)
    fields = _form_fields(session, row)

    def act(workflow, ctx):
        # What fell due since the last worker tick happens first (engine/core/due_timers.py): the
        # task is completed in the process as it stands now, a closed return window included.
        if fire_due_timers(workflow, ctx, ctx.now()):
            workflow.do_engine_steps()
        task = workflow.get_task_from_id(UUID(task_id))
        if task is None or task.state != TaskState.READY:
            raise TaskConflict(task_id, None, "not ready")
        # Every field of the form is set, so a value left from an earlier pass through a
        # loop (say the last review's comment) can never be mistaken for this one.
        values = {name: None for name in fields}
        values.update(clean)
        output = properties(task.task_spec).get("output")
        if output:
            values[output] = dict(clean)
        task.set_data(**values)
        task.run()
        if case is not None and clean.get("check_method"):
            # How handling checked the problem, kept on the case for the share of non-site
            # enforcement (engine/measures/definitions.py); the latest handling form's says.
            case.check_method = clean["check_method"]
        ctx.record("task_completed", stage=row.stage, task_id=task_id, task=row.spec, form=row.form, data=clean)

    try:
        return runtime.step(session, instance, case, actor, act, completed_task_id=task_id, ready=ready)
    except WorkflowFault as fault:
        # A helper that rejects a value the user typed (an unknown duplicate case number)
        # is a field error, not a system failure.
        if fault.element and fault.element in fields:
            raise FormInvalid({fault.element: [str(fault).split(": ", 1)[-1]]}) from fault
        raise


def _validated(session, row: Task, data: dict, lang: str) -> dict:
    if not row.form:
        return {}
    try:
        # As every web request's input is (webapp/input_hygiene.py), for callers that are not one.
        data = clean_tree(data)
    except UnsafeText as err:
        raise FormInvalid({"": [str(err)]}) from None
    form = form_store.get_form(session, row.form)
    try:
        clean = form.validate(data, lang=lang)
    except forms.FormValidationError as err:
        raise FormInvalid(err.errors) from None
    return own_files_only(session, row.id, form, clean)


def _form_fields(session, row: Task) -> list[str]:
    return list(form_store.get_form(session, row.form).schema.get("properties", {})) if row.form else []


def _locked_row(session, task_id: str) -> Task:
    row = session.scalars(select(Task).where(Task.id == task_id).with_for_update()).first()
    if row is None:
        raise NotFound(f"任务 {task_id} 不存在 (no such task)")
    return row


def _refuse_if_claimed_by_another(session, row: Task, user_id: int) -> None:
    if row.assignee_id in (None, user_id):
        return
    holder = session.get(User, row.assignee_id)
    username = holder.username if holder else str(row.assignee_id)
    raise TaskClaimed(row.id, username, (holder.display_name if holder else None) or username)


def claim_task(session: Session, runtime: Runtime, task_id: str, user_id: int, actor: str) -> Task:
    row = _locked_row(session, task_id)
    if row.state != "ready":
        raise TaskConflict(task_id, row.completed_by, row.state)
    _refuse_if_claimed_by_another(session, row, user_id)
    row.assignee_id = user_id
    _audit(session, runtime, row, actor, "task_claimed")
    return row


def release_task(session: Session, runtime: Runtime, task_id: str, user_id: int, actor: str) -> Task:
    row = _locked_row(session, task_id)
    if row.assignee_id == user_id:
        row.assignee_id = None
        _audit(session, runtime, row, actor, "task_released")
    return row


def _audit(session, runtime: Runtime, row: Task, actor: str, kind: str) -> None:
    session.add(AuditEvent(case_id=row.case_id, instance_id=row.instance_id, at=runtime.now(), actor=actor,
                           kind=kind, stage=row.stage, task_id=row.id, detail={"task": row.spec}))


def task_data(session: Session, runtime: Runtime, task_id: str) -> dict:
    """The data a ready task sees (to prefill its form, e.g. the routing suggestion)."""
    row = _ready_row(session, task_id)
    workflow, _ctx = runtime.load(session, session.get(ProcessInstance, row.instance_id))
    task = workflow.get_task_from_id(UUID(task_id))
    if task is None:
        raise NotFound(f"任务 {task_id} 不存在 (no such task)")
    return dict(task.data)
