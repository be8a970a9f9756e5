"""/api/v1/tasks: the token's user's tasks, one task with its form, claim and complete — with
exactly the web's rules (task_scope, form validation, 409 when someone else was first, 409 naming
the holder when a colleague has claimed it)."""
from __future__ import annotations

from sqlalchemy import select

from engine.core.errors import TaskConflict
from engine.core.paging import paginate
from engine.definitions import form_store
from engine.models import Case, Task
from engine.work.tasks import claim_task, complete_task
from webapp.access import Staff, task_scope
from webapp.api.auth import require_staff
from webapp.api.blueprints import v1
from webapp.api.errors import ApiError
from webapp.api.openapi import operation
from webapp.api.schemas.tasks import (
    CompletedSchema,
    CompleteSchema,
    TaskDetailSchema,
    TaskListQuery,
    TaskPageSchema,
)
from webapp.api.views import tasks_out
from webapp.runtime import current_runtime, transaction

TASK_ID = "<task_id>"


def _scoped(session, staff: Staff, task_id: str) -> Task:
    task = session.scalars(select(Task).where(Task.id == task_id, task_scope(staff))).first()
    if task is None:
        raise ApiError(404)
    return task


@operation(v1, "/tasks", summary="我的待办 (ready tasks)", tag="tasks", scope="tasks:read", query=TaskListQuery,
           response=TaskPageSchema)
def list_tasks(client, query):
    """The ready tasks the token's user may work, soonest deadline first (the web inbox's scope)."""
    staff = require_staff(client)
    stmt = select(Task).where(Task.state == "ready", task_scope(staff))
    if query["mine"]:
        stmt = stmt.where(Task.assignee_id == staff.id)
    if query["stage"]:
        stmt = stmt.where(Task.stage == query["stage"])
    if query["case_id"]:
        stmt = stmt.where(Task.case_id == query["case_id"])
    with current_runtime().db.read() as session:
        listed = paginate(session, stmt.order_by(Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id),
                          query["page"], query["per_page"])
        items = tasks_out(session, listed.items)
    return {"items": items, "total": listed.total, "page": listed.page, "per_page": listed.per_page,
            "pages": listed.pages}


@operation(v1, f"/tasks/{TASK_ID}", summary="读取任务 (one task with its form)", tag="tasks", scope="tasks:read",
           response=TaskDetailSchema)
def get_task(client, task_id: str):
    staff = require_staff(client)
    with current_runtime().db.read() as session:
        task = _scoped(session, staff, task_id)
        out = tasks_out(session, [task])[0]
        out["form_schema"] = form_store.get_form(session, task.form).schema if task.form else None
    return out


@operation(v1, f"/tasks/{TASK_ID}/claim", "POST", summary="认领任务 (claim a task)", tag="tasks",
           scope="tasks:write", response=TaskDetailSchema, errors=(409,))
def claim(client, task_id: str):
    staff = require_staff(client)
    runtime = current_runtime()
    with runtime.db.read() as session:
        task = _scoped(session, staff, task_id)
    with transaction() as session:
        claim_task(session, runtime, task.id, staff.id, staff.username)
    with runtime.db.read() as session:
        task = session.get(Task, task_id)
        out = tasks_out(session, [task])[0]
        out["form_schema"] = form_store.get_form(session, task.form).schema if task.form else None
    return out


@operation(v1, f"/tasks/{TASK_ID}/complete", "POST", summary="办理任务 (complete a task with its form data)",
           tag="tasks", scope="tasks:write", body=CompleteSchema, response=CompletedSchema, errors=(409,))
def complete(client, task_id: str, body):
    """Validates `data` against the task's form (422 with field messages, nothing saved) and
    completes it; 409 names who completed it first, or the colleague who has claimed it."""
    staff = require_staff(client)
    runtime = current_runtime()
    with runtime.db.read() as session:
        task = _scoped(session, staff, task_id)
    if task.state != "ready":
        raise TaskConflict(task.id, task.completed_by, task.state)
    with transaction() as session:
        complete_task(session, runtime, task.id, body["data"], staff.username, staff.locale, user_id=staff.id)
    with runtime.db.read() as session:
        task = session.get(Task, task_id)
        case = session.get(Case, task.case_id) if task.case_id else None
        next_rows = list(session.scalars(select(Task).where(Task.case_id == task.case_id, Task.state == "ready",
                                                            task_scope(staff)).order_by(Task.created_at, Task.id))) \
            if case else []
        return {"task": tasks_out(session, [task])[0], "next_tasks": tasks_out(session, next_rows),
                "case": {"id": case.id, "number": case.number, "status": case.status, "stage": case.stage}
                if case else None}
