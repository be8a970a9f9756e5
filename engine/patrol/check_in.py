"""A grid officer's check-in on a due patrol: the moment (the server's), the position and its
distance from the point, the checklist answers, photos, and — when a problem is found — a
complaint case (channel ``grid``) linked to the patrol.

Photos go through the intake attachment checks (engine/cases/attachments.py: type by content,
size, pixel limits) and are stored the same way, under the attachments folder's ``patrol/``; a
problem's photos are also attached to its case. A check-in far from its point is accepted and
flagged (the threshold is a setting, engine/patrol/frequency.py).
"""
from __future__ import annotations

import hashlib
import math
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.attachments import AttachmentRejected, CheckedFile, check_uploads, store_attachments
from engine.cases.intake import register_case
from engine.core.db import on_rollback
from engine.core.errors import FormInvalid, NotFound
from engine.core.runtime import Runtime
from engine.models import AuditEvent, Grid, Patrol, PatrolPhoto, PatrolPoint, Task
from engine.org.scopes import StaffMember, may_work
from engine.patrol import frequency
from engine.storage import FileStore, as_store
from engine.work.tasks import complete_task

MAX_PHOTOS = 9
EARTH_RADIUS_M = 6_371_008.8  # the IUGG mean radius
# Answers to a checklist item.
ANSWERS = ("ok", "problem", "na")
# A point's kind → the intake's subject type of a case found there.
SUBJECT_OF_KIND = {"enterprise": "enterprise", "construction": "construction", "catering": "catering"}


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula (metres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def patrol_of_task(session: Session, task_id: str, staff: StaffMember) -> tuple[Task, Patrol, PatrolPoint]:
    """The ready check-in task and its patrol, if this person may work it; NotFound otherwise
    (another officer's patrol is not there for them)."""
    row = session.get(Task, task_id)
    if row is None or row.state != "ready" or row.spec != "pt_check_in" or not may_work(staff, row):
        raise NotFound("task")
    patrol = session.scalars(select(Patrol).where(Patrol.instance_id == row.instance_id)).first()
    if patrol is None:
        raise NotFound("patrol")
    return row, patrol, session.get(PatrolPoint, patrol.point_id)


def _answers(point: PatrolPoint, raw: dict) -> dict[str, str]:
    answers, bad = {}, []
    for i, item in enumerate(point.checklist or []):
        value = raw.get(str(i), "ok")
        if value not in ANSWERS:
            bad.append(item)
        answers[item] = value
    if bad:
        raise FormInvalid({"answers": ["请为每一项选择 正常/有问题/不适用 (answer each item: ok, problem or n/a)"]})
    return answers


def _store_photos(session: Session, runtime: Runtime, patrol: Patrol, files: list[CheckedFile], *,
                  root: FileStore | Path, actor: str) -> list[PatrolPhoto]:
    store = as_store(root)
    rows = []
    for item in files:
        relative = f"patrol/{patrol.id}/{uuid.uuid4().hex}.{item.extension}"
        on_rollback(session, lambda key=relative: store.delete(key))
        store.put(relative, item.data)
        row = PatrolPhoto(patrol_id=patrol.id, filename=item.filename, content_type=item.content_type, size=item.size,
                          sha256=hashlib.sha256(item.data).hexdigest(), stored_path=relative, uploaded_by=actor,
                          uploaded_at=runtime.now())
        session.add(row)
        rows.append(row)
    return rows


def check_in(session: Session, runtime: Runtime, task_id: str, values: dict, photos: list[tuple[str | None, bytes]],
             *, staff: StaffMember, actor: str, root: FileStore | Path, lang: str = "zh_CN") -> Patrol:
    """Record the check-in and complete the task, in the caller's transaction.

    ``values``: latitude, longitude, note, answers ({item index: ok|problem|na}), problem_found,
    problem_category, problem_title, problem_description. Raises FormInvalid (nothing changes)
    or AttachmentRejected for a refused photo."""
    row, patrol, point = patrol_of_task(session, task_id, staff)
    form = {k: values[k] for k in ("latitude", "longitude", "note", "problem_found", "problem_category",
                                   "problem_title", "problem_description") if values.get(k) not in (None, "")}
    for key in ("latitude", "longitude"):
        try:
            form[key] = float(form[key])
        except KeyError:
            raise FormInvalid({key: ["请允许定位或填写坐标 (allow location or enter the position)"]}) from None
        except (TypeError, ValueError):
            raise FormInvalid({key: ["请填写数字 (a number)"]}) from None
    form["problem_found"] = values.get("problem_found") in (True, "1", "on", "true", "yes")
    answers = _answers(point, values.get("answers") or {})
    if len(photos) > MAX_PHOTOS:
        raise AttachmentRejected(photos[-1][0] or "", "count")
    checked = check_uploads(photos)
    now = runtime.now()
    settings = frequency.load(session)
    distance = distance_m(form["latitude"], form["longitude"], point.latitude, point.longitude)
    patrol.status, patrol.checked_in_at, patrol.on_time = "done", now, now <= patrol.due_at
    patrol.colour = "green" if patrol.on_time else "red"
    patrol.latitude, patrol.longitude = form["latitude"], form["longitude"]
    patrol.distance_m = round(distance, 1)
    patrol.far = distance > settings.far_metres
    patrol.answers, patrol.note = answers, form.get("note")
    session.flush()
    # Completing validates the form (an invalid one raises, and the caller's transaction undoes
    # the lines above); the diagram checks the check-in was recorded (confirm_check_in).
    complete_task(session, runtime, task_id, form, actor, lang, user_id=staff.id)
    _store_photos(session, runtime, patrol, checked, root=root, actor=actor)
    session.add(AuditEvent(at=now, actor=actor, kind="patrol_checked_in", instance_id=row.instance_id,
                           detail={"patrol_id": patrol.id, "distance_m": patrol.distance_m, "far": patrol.far,
                                   "on_time": patrol.on_time, "photos": len(checked)}))
    if form["problem_found"]:
        grid = session.get(Grid, point.grid_id)
        problems = [item for item, answer in answers.items() if answer == "problem"]
        description = form.get("problem_description") or ""
        if problems:
            description = (description + "\n" if description else "") + "巡查清单问题项：" + "；".join(problems)
        case = register_case(session, runtime, {
            "channel": "grid", "category": form["problem_category"], "title": form["problem_title"],
            "description": description, "address": point.address or point.name, "grid_code": grid.code,
            "latitude": form["latitude"], "longitude": form["longitude"],
            "subject_type": SUBJECT_OF_KIND.get(point.kind, "other"),
            "subject_enterprise": point.name if point.kind == "enterprise" else None,
        }, actor, created_by_id=staff.id)
        patrol.case_id = case.id
        store_attachments(session, runtime, case.id, checked, root=root, actor=actor)
        session.add(AuditEvent(case_id=case.id, at=now, actor=actor, kind="patrol_problem_reported",
                               detail={"patrol_id": patrol.id, "point": point.name}))
    return patrol
