"""The files a task holds: the attachments uploaded through its form's file fields
(engine/cases/evidence.py stores them). A file field's value may only name these: completing a
task (from a page or the API) drops any other id, so no form post can borrow another case's file."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from engine.models import Attachment


def file_fields(form: forms.FormDefinition | None) -> list[str]:
    if form is None:
        return []
    return [name for name in form.fields if form.ui["fields"][name]["widget"] == "file"]


def task_files(session: Session, task_id: str, ids: Iterable | None = None) -> dict[int, Attachment]:
    """The task's own files still in use (all, or those among ``ids``), by id."""
    query = select(Attachment).where(Attachment.task_id == task_id, Attachment.removed_at.is_(None))
    if ids is not None:
        wanted = {int(i) for i in ids if isinstance(i, int) or (isinstance(i, str) and i.isdigit())}
        if not wanted:
            return {}
        query = query.where(Attachment.id.in_(wanted))
    return {row.id: row for row in session.scalars(query.order_by(Attachment.id))}


def own_files_only(session: Session, task_id: str, form: forms.FormDefinition | None, data: dict) -> dict:
    """``data`` with each file field holding only ids of the task's own files (dropped if none)."""
    result = dict(data)
    for name in file_fields(form):
        if name not in result:
            continue
        kept = [i for i in result[name] if i in task_files(session, task_id, result[name])]
        if kept:
            result[name] = kept
        else:
            result.pop(name)
    return result
