"""Unfinished task forms: one draft per task and person, kept until the task is completed."""
from __future__ import annotations

from sqlalchemy import delete, select

from engine.core.runtime import Runtime
from engine.models import TaskDraft


def save_draft(runtime: Runtime, task_id: str, user_id: int, data: dict) -> TaskDraft:
    with runtime.db.write() as session:
        draft = session.scalars(select(TaskDraft).where(TaskDraft.task_id == task_id,
                                                        TaskDraft.user_id == user_id)).first()
        if draft is None:
            draft = TaskDraft(task_id=task_id, user_id=user_id, data={})
            session.add(draft)
        draft.data = dict(data)
        draft.updated_at = runtime.now()
        session.flush()
        return draft


def load_draft(runtime: Runtime, task_id: str, user_id: int) -> TaskDraft | None:
    with runtime.db.read() as session:
        return session.scalars(select(TaskDraft).where(TaskDraft.task_id == task_id,
                                                       TaskDraft.user_id == user_id)).first()


def delete_draft(runtime: Runtime, task_id: str, user_id: int | None = None) -> int:
    """Drop one person's draft, or (no user) every draft of a task, e.g. once it is completed."""
    with runtime.db.write() as session:
        query = delete(TaskDraft).where(TaskDraft.task_id == task_id)
        if user_id is not None:
            query = query.where(TaskDraft.user_id == user_id)
        return session.execute(query).rowcount or 0
