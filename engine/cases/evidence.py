"""Evidence attached in a task form: the photos, sampling reports and proof of rectification a
handler, a joint department, the feedback or the re-inspection adds through a ``file`` field.

Each upload passes the one check intake attachments pass (engine/cases/attachments.check_upload:
type by content, size, pixel limits) and is stored the same way (store_attachments: random name
outside the web root, removed again if the transaction rolls back), linked to the case and the
task. The field's value in the task data is the list of attachment ids, so a draft keeps the files
already uploaded and the completed task's record names them. An id is only kept if it is a file
of this very task: a form post cannot borrow another case's attachment.

A random inspection's task (workflows/bpmn/inspection.bpmn) has no case: its files are the
inspection's (attachment.inspection_id), staff-only like all evidence, read through the
inspection's own pages (webapp/inspections) and never published.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

import forms
from engine.cases.attachments import AttachmentRejected, CheckedFile, check_upload, store_attachments
from engine.core.runtime import Runtime
from engine.definitions import form_store
from engine.models import AuditEvent, Task
from engine.models.inspection import Inspection
from engine.storage import FileStore
from engine.work.task_files import file_fields, own_files_only

# accept word (forms/definition.FILE_ACCEPT) → content types it admits
_ACCEPT_TYPES = {"image": ("image/",), "pdf": ("application/pdf",)}


def _accepted(content_type: str, accept: list[str]) -> bool:
    return any(content_type.startswith(prefix) for word in accept for prefix in _ACCEPT_TYPES[word])


def check_field_uploads(form: forms.FormDefinition, uploads: Mapping[str, list[tuple[str | None, bytes]]],
                        kept: Mapping[str, list[int]]) -> dict[str, list[CheckedFile]]:
    """Every field's new files checked (before anything is written); raises AttachmentRejected with
    ``field`` set on the first bad one: wrong type by content, too large, too many pixels, or
    more than the field's ``max_files`` together with the files it keeps."""
    checked: dict[str, list[CheckedFile]] = {}
    for name in file_fields(form):
        accept, max_files, _in_reply = forms.file_options(form, name)
        items = []
        for filename, data in uploads.get(name, []):
            try:
                item = check_upload(filename, data)
                if not _accepted(item.content_type, accept):
                    raise AttachmentRejected(item.filename, "type")
            except AttachmentRejected as err:
                err.field = name
                raise
            items.append(item)
        if len(kept.get(name, [])) + len(items) > max_files:
            err = AttachmentRejected(items[-1].filename if items else "", "max_files")
            err.field, err.limit = name, max_files
            raise err
        if items:
            checked[name] = items
    return checked


def attach_evidence(session: Session, runtime: Runtime, task: Task, form: forms.FormDefinition,
                    data: dict, checked: Mapping[str, list[CheckedFile]], *, root: FileStore | Path,
                    actor: str) -> dict:
    """``data`` with each file field's value made of the kept ids that really are this task's
    files, followed by the ids of the new files, stored here in the caller's transaction."""
    result = own_files_only(session, task.id, form, data)
    inspection_id = None
    if task.case_id is None and any(checked.values()):
        inspection_id = session.scalar(select(Inspection.id).where(Inspection.instance_id == task.instance_id))
        if inspection_id is None:  # no shipped form of a case-less process but the inspection's has files
            raise ValueError(f"task {task.id} has neither a case nor an inspection to keep its files")
    for name in file_fields(form):
        kept = list(result.get(name) or [])
        try:
            rows = store_attachments(session, runtime, task.case_id, checked.get(name, []), root=root, actor=actor,
                                     visibility="internal", kind="evidence", task_id=task.id,
                                     inspection_id=inspection_id)
        except AttachmentRejected as err:  # the case's own limit (MAX_FILES_PER_CASE)
            err.field = name
            raise
        ids = kept + [row.id for row in rows]
        if ids:
            result[name] = ids
        else:
            result.pop(name, None)
    return result


def reply_photo_ids(session: Session, events: Iterable[AuditEvent]) -> set[int]:
    """The ids held by the ``in_reply`` file fields of the completed tasks among ``events``: the
    photos the handler and the feedback chose to print in the reply letter (答复意见书) — the
    feedback's only when its person ticked ``photos_in_reply`` (forms/definition.prints_in_reply)."""
    chosen: set[int] = set()
    for event in events:
        detail = event.detail or {}
        if event.kind != "task_completed" or not detail.get("form"):
            continue
        try:
            form = form_store.get_form(session, detail["form"])
        except forms.FormError:
            continue
        data = detail.get("data") or {}
        for name in file_fields(form):
            if forms.prints_in_reply(form, name, data):
                chosen.update(i for i in data.get(name) or [] if isinstance(i, int))
    return chosen
