"""Uploads through a task form's file field: the same content checks as intake (type by content,
pixel bombs, size), a crafted file name never reaches the disk, a task outside the person's scope
is not found, and the post needs its CSRF token. Nothing refused leaves a row or a file behind."""
from __future__ import annotations

import html as htmlmod
import io

import pytest
from sqlalchemy import select

from engine.cases.attachments import MAX_FILE_BYTES
from engine.models import Attachment
from tests import images


def _handle(env, department="air"):
    case = env.register()
    env.accept_and_assign(case, department)
    return case, env.task(case, "handle")


def _post(browser, task, name, data, **extra):
    form = {"complete": "1", "outcome": "done", "findings": "属实", "evidence": [(io.BytesIO(data), name)]}
    form.update(extra)
    return browser.post(f"/tasks/{task.id}", form, content_type="multipart/form-data")


def _nothing_kept(env, case, attachments_dir):
    with env.db.read() as s:
        assert s.scalars(select(Attachment).where(Attachment.case_id == case.id)).all() == []
    folder = attachments_dir / str(case.id)
    assert not folder.exists() or list(folder.iterdir()) == []
    assert env.task(case, "handle").state == "ready"


@pytest.mark.parametrize(("name", "data", "said"), [
    ("photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "不是允许的类型"),
    ("evil.png.html", b"<!doctype html><script>alert(1)</script>", "不是允许的类型"),
    ("bomb.png", images.png_claiming(50000, 50000), "尺寸过大"),
    ("sparse.png", images.sparse_png(), "尺寸过大"),
    ("broken.png", images.truncated(images.png((200, 200))), "已损坏或不完整"),
    ("huge.jpg", b"\xff\xd8\xff" + b"\0" * MAX_FILE_BYTES, "MB"),
])
def test_a_bad_upload_is_refused_and_nothing_is_stored(env, as_user, attachments_dir, name, data, said):
    case, task = _handle(env)
    answer = _post(as_user("handler"), task, name, data)
    assert answer.status_code == 422
    assert said in htmlmod.unescape(answer.get_data(as_text=True))
    _nothing_kept(env, case, attachments_dir)


def test_a_path_in_the_file_name_never_reaches_the_disk(env, as_user, attachments_dir):
    case, task = _handle(env)
    answer = _post(as_user("handler"), task, "../../../etc/cron.d/x.jpg", images.jpeg())
    assert answer.status_code == 302
    with env.db.read() as s:
        [row] = s.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
    assert row.filename == "x.jpg"
    assert row.stored_path.startswith(f"{case.id}/") and ".." not in row.stored_path and "x.jpg" not in row.stored_path
    assert [p.name for p in (attachments_dir / str(case.id)).iterdir()] == [row.stored_path.split("/")[1]]


def test_a_task_outside_the_handlers_department_is_not_found(env, as_user, attachments_dir):
    case, task = _handle(env, "enforcement")  # handler2's department, not handler's (air)
    answer = _post(as_user("handler"), task, "a.jpg", images.jpeg())
    assert answer.status_code == 404
    _nothing_kept(env, case, attachments_dir)


def test_a_kept_id_of_another_cases_file_is_not_borrowed(env, as_user):
    other, other_task = _handle(env)
    assert _post(as_user("handler"), other_task, "other.jpg", images.jpeg()).status_code == 302
    with env.db.read() as s:
        foreign = s.scalars(select(Attachment.id).where(Attachment.case_id == other.id)).one()
    case, task = _handle(env)
    answer = as_user("handler").post(f"/tasks/{task.id}", {"complete": "1", "outcome": "done", "findings": "属实",
                                                           "evidence": str(foreign)})
    assert answer.status_code == 302
    [event] = [e for e in env.audit(case, "task_completed") if e.detail["task"] == "handle"]
    assert "evidence" not in event.detail["data"]


def test_the_upload_needs_the_csrf_token(env, as_user, attachments_dir):
    case, task = _handle(env)
    browser = as_user("handler")
    answer = browser.client.post(f"/tasks/{task.id}", data={
        "complete": "1", "outcome": "done", "findings": "属实", "evidence": (io.BytesIO(images.jpeg()), "a.jpg")},
        content_type="multipart/form-data")
    assert answer.status_code == 400
    _nothing_kept(env, case, attachments_dir)
