"""Unfinished task forms: one draft per task and person, kept until the task is completed."""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.core.runtime import Runtime
from engine.models import TaskDraft


def save_draft(session: Session, runtime: Runtime, task_id: str, user_id: int, data: dict) -> TaskDraft:
    draft = session.scalars(select(TaskDraft).where(TaskDraft.task_id == task_id,
                                                    TaskDraft.user_id == user_id)).first()
    if draft is None:
        draft = TaskDraft(task_id=task_id, user_id=user_id, data={})
        session.add(draft)
    draft.data = dict(data)
    draft.updated_at = runtime.now()
    session.flush()
    return draft


def load_draft(session: Session, task_id: str, user_id: int) -> TaskDraft | None:
    return session.scalars(select(TaskDraft).where(TaskDraft.task_id == task_id,
                                                   TaskDraft.user_id == user_id)).first()


def delete_draft(session: Session, task_id: str, user_id: int | None = None) -> int:
    """Drop one person's draft, or (no user) every draft of a task, e.g. once it is completed."""
    query = delete(TaskDraft).where(TaskDraft.task_id == task_id)
    if user_id is not None:
        query = query.where(TaskDraft.user_id == user_id)
    return session.execute(query).rowcount or 0
