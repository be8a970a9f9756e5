"""The enterprise's side: answers kept as a draft until submitted, photos per item (the intake
attachment checks: size, type by content, pixel limits — engine/cases/attachments.py), and the
submission, which is refused until every item is answered and every photo asked for is there.
Submitted answers are read-only; a review that sends them back opens them again.

Everything here acts on the task the link's token opened (engine/selfcheck/tokens.py): there is
no way to name another task."""
from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from engine.cases.attachments import AttachmentRejected, check_uploads, stored_key
from engine.core.db import on_rollback
from engine.core.errors import FormInvalid, GreenloopError, NotFound
from engine.core.runtime import Runtime
from engine.models import AuditEvent
from engine.models.enterprise import Enterprise
from engine.models.selfcheck import SelfCheckCampaign, SelfCheckPhoto, SelfCheckTask
from engine.storage import FileStore, as_store

EDITABLE = ("waiting", "correcting")
TEXT_MAX = 1000
MAX_PHOTOS_PER_ITEM = 3
SIGNAL = "selfcheck_submitted"


class ReadOnly(GreenloopError):
    """The answers were submitted: nothing more can change until a review sends them back."""


def actor_of(session: Session, task: SelfCheckTask) -> str:
    name = session.scalar(select(Enterprise.name).where(Enterprise.id == task.enterprise_id)) or ""
    return f"企业：{name}"[:100]


def items_of(session: Session, task: SelfCheckTask) -> list[dict]:
    return session.scalar(select(SelfCheckCampaign.items).where(SelfCheckCampaign.id == task.campaign_id)) or []


def photos_of(session: Session, task_id: int) -> list[SelfCheckPhoto]:
    return list(session.scalars(select(SelfCheckPhoto).where(SelfCheckPhoto.task_id == task_id)
                                .order_by(SelfCheckPhoto.id)))


def _clean(items: list[dict], raw: dict) -> dict[str, str]:
    answers, errors = {}, {}
    for item in items:
        value = raw.get(item["key"])
        if value in (None, ""):
            continue
        value = str(value).strip()
        if item["answer"] == "yesno" and value not in ("yes", "no"):
            errors[item["key"]] = ["请选择 是 或 否 (yes or no)"]
        elif len(value) > TEXT_MAX:
            errors[item["key"]] = [f"最多 {TEXT_MAX} 字 (at most {TEXT_MAX} characters)"]
        elif value:
            answers[item["key"]] = value
    if errors:
        raise FormInvalid(errors)
    return answers


def _store_photos(session: Session, task: SelfCheckTask, key: str, uploads: list[tuple[str | None, bytes]],
                  *, root: FileStore | Path, now) -> None:
    existing = session.scalar(select(func.count()).select_from(SelfCheckPhoto)
                              .where(SelfCheckPhoto.task_id == task.id, SelfCheckPhoto.item_key == key))
    if existing + len(uploads) > MAX_PHOTOS_PER_ITEM:
        raise AttachmentRejected(uploads[-1][0] or "", "count")
    checked = check_uploads(uploads)
    for item in checked:
        if not item.content_type.startswith("image/"):  # a photo, not any file intake takes
            raise AttachmentRejected(item.filename, "type")
    store = as_store(root)
    for item in checked:
        relative = f"selfcheck/{task.id}/{uuid.uuid4().hex}.{item.extension}"
        on_rollback(session, lambda key=relative: store.delete(key))
        store.put(relative, item.data)
        session.add(SelfCheckPhoto(task_id=task.id, item_key=key, filename=item.filename,
                                   content_type=item.content_type, size=item.size,
                                   sha256=hashlib.sha256(item.data).hexdigest(), stored_path=relative,
                                   uploaded_at=now))


def save_draft(session: Session, runtime: Runtime, task: SelfCheckTask, raw: dict,
               photos: dict[str, list[tuple[str | None, bytes]]], *, root: FileStore | Path) -> None:
    """Keep the answers given so far and add the photos; the caller's transaction. ``photos``:
    item key → uploads (only items that take photos)."""
    if task.status not in EDITABLE:
        raise ReadOnly("submitted")
    items = items_of(session, task)
    task.answers = {**(task.answers or {}), **_clean(items, raw)}
    for key in [k for k in raw if k in {i["key"] for i in items} and raw[k] in ("", None)]:
        task.answers.pop(key, None)  # an answer cleared on purpose
    task.answers = dict(task.answers)
    keys = {item["key"] for item in items if item["photo"]}
    now = runtime.now()
    for key, uploads in photos.items():
        if uploads and key in keys:
            _store_photos(session, task, key, uploads, root=root, now=now)
    session.add(AuditEvent(at=now, actor=actor_of(session, task), kind="selfcheck_draft_saved",
                           instance_id=task.instance_id, detail={"selfcheck_id": task.id}))


def remove_photo(session: Session, task: SelfCheckTask, photo_id: int, *, root: FileStore | Path) -> None:
    if task.status not in EDITABLE:
        raise ReadOnly("submitted")
    photo = session.get(SelfCheckPhoto, photo_id)
    if photo is None or photo.task_id != task.id:
        raise NotFound("photo")
    session.delete(photo)
    store, key = as_store(root), stored_key(photo)
    # Removed from the store only once the transaction has committed: a rollback keeps the row, so
    # it must keep the file.
    event.listen(session, "after_commit", lambda _s: store.delete(key), once=True)


def missing(session: Session, task: SelfCheckTask) -> dict[str, list[str]]:
    """What stops a submission: unanswered items, items without the photo they ask for."""
    have = {p.item_key for p in photos_of(session, task.id)}
    out: dict[str, list[str]] = {}
    for item in items_of(session, task):
        problems = []
        if not task.answers.get(item["key"]):
            problems.append("请回答此项 (answer this item)")
        if item["photo"] and item["key"] not in have:
            problems.append("此项需要上传照片 (this item needs a photo)")
        if problems:
            out[item["key"]] = problems
    return out


def submit(session: Session, runtime: Runtime, task: SelfCheckTask, raw: dict,
           photos: dict[str, list[tuple[str | None, bytes]]], *, root: FileStore | Path) -> None:
    """Save, check completeness, then tell the task's process (the selfcheck_submitted signal);
    the diagram records the submission (engine/selfcheck/functions.py). All in one transaction."""
    save_draft(session, runtime, task, raw, photos, root=root)
    session.flush()
    gaps = missing(session, task)
    if gaps:
        raise FormInvalid(gaps)
    instance = runtime.lock_instance(session, task.instance_id)

    def signal(workflow, ctx) -> None:
        event = None
        for waiting in workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(waiting.task_spec, "event_definition", None)
            for candidate in getattr(definition, "event_definitions", [definition]):
                if getattr(candidate, "name", None) == SIGNAL:
                    event = BpmnEvent(candidate)
        if event is None:  # not waiting for the enterprise (a second tab submitted first)
            raise ReadOnly("not waiting")
        workflow.catch(event)

    runtime.step(session, instance, None, actor_of(session, task), signal)
