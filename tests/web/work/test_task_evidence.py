"""File fields on the task page: photos uploaded with the form, kept by a draft, refused with the
other fields kept, shown in the case timeline; and the check method recorded."""
from __future__ import annotations

import html as htmlmod
import io

from sqlalchemy import select

from engine.models import Attachment, AuditEvent, TaskDraft
from tests import images
from tests.web.work.test_task_page import field_html


def _handle(env):
    case = env.register()
    env.accept_and_assign(case)
    return case, env.task(case, "handle")


def _files(env, case_id) -> list[Attachment]:
    with env.db.read() as s:
        return list(s.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)))


def _stored(attachments_dir, case_id) -> list:
    folder = attachments_dir / str(case_id)
    return sorted(folder.iterdir()) if folder.exists() else []


def test_the_handle_form_offers_an_upload_and_the_check_methods(env, as_user):
    _case, task = _handle(env)
    html = htmlmod.unescape(as_user("handler").get(f"/tasks/{task.id}").get_data(as_text=True))
    assert 'enctype="multipart/form-data"' in html
    upload = field_html(html, "evidence")
    assert 'type="file"' in upload and 'accept="image/*,application/pdf"' in upload and "multiple" in upload
    methods = field_html(html, "check_method")
    for word in ("现场检查", "非现场：在线监测", "非现场：用电监控", "非现场：视频监控", "非现场：无人机巡查",
                 "非现场：远程查阅资料"):
        assert word in methods
    assert "暂不支持" not in html


def test_a_handler_completes_the_task_with_photos(env, as_user, attachments_dir):
    case, task = _handle(env)
    handler = as_user("handler")
    answer = handler.post(f"/tasks/{task.id}", {
        "complete": "1", "outcome": "done", "findings": "现场核查属实", "check_method": "video",
        "evidence": [(io.BytesIO(images.jpeg((40, 30))), "整改前.jpg"), (io.BytesIO(images.png()), "整改后.png")]},
        content_type="multipart/form-data")
    assert answer.status_code == 302
    rows = _files(env, case.id)
    assert [(r.filename, r.task_id, r.kind) for r in rows] == [("整改前.jpg", task.id, "evidence"),
                                                              ("整改后.png", task.id, "evidence")]
    assert len(_stored(attachments_dir, case.id)) == 2
    [event] = [e for e in env.audit(case, "task_completed") if e.detail["task"] == "handle"]
    assert event.detail["data"]["evidence"] == [r.id for r in rows]
    assert event.detail["data"]["check_method"] == "video"
    page = htmlmod.unescape(as_user("intake").get(f"/cases/{case.id}").get_data(as_text=True))
    timeline = page[page.index('id="h-timeline"'):]
    assert "上传附件「整改前.jpg」" in timeline and "整改前.jpg、整改后.png" in timeline
    assert "非现场：视频监控" in timeline


def test_a_refused_submission_keeps_the_other_fields_and_no_file(env, as_user, attachments_dir):
    case, task = _handle(env)
    answer = as_user("handler").post(f"/tasks/{task.id}", {
        "complete": "1", "outcome": "done", "measures": "责令整改（保留的文字）", "check_method": "on_site",
        "evidence": [(io.BytesIO(images.jpeg()), "a.jpg")]}, content_type="multipart/form-data")
    assert answer.status_code == 422
    html = htmlmod.unescape(answer.get_data(as_text=True))
    assert "责令整改（保留的文字）" in html
    assert "本次选择的文件未保存，请重新选择" in field_html(html, "evidence")
    assert _files(env, case.id) == [] and _stored(attachments_dir, case.id) == []


def test_a_wrong_file_is_refused_beside_its_field(env, as_user, attachments_dir):
    case, task = _handle(env)
    answer = as_user("handler").post(f"/tasks/{task.id}", {
        "complete": "1", "outcome": "done", "findings": "属实",
        "evidence": [(io.BytesIO(b"MZ\x90\x00 not an image"), "photo.jpg")]}, content_type="multipart/form-data")
    assert answer.status_code == 422
    html = htmlmod.unescape(answer.get_data(as_text=True))
    assert "不是允许的类型" in field_html(html, "evidence") and "属实" in html
    assert _files(env, case.id) == [] and _stored(attachments_dir, case.id) == []
    assert env.task(case, "handle").state == "ready"


def test_a_draft_keeps_the_uploaded_files_until_completion(env, as_user, attachments_dir):
    case, task = _handle(env)
    handler = as_user("handler")
    answer = handler.post(f"/tasks/{task.id}", {
        "save_draft": "1", "outcome": "done", "evidence": [(io.BytesIO(images.png()), "采样报告.png")]},
        content_type="multipart/form-data")
    assert answer.status_code == 302
    [row] = _files(env, case.id)
    with env.db.read() as s:
        draft = s.scalars(select(TaskDraft).where(TaskDraft.task_id == task.id)).one()
        assert draft.data["evidence"] == [row.id]
    html = htmlmod.unescape(handler.get(f"/tasks/{task.id}").get_data(as_text=True))
    kept = field_html(html, "evidence")
    assert f'name="evidence" value="{row.id}" checked' in kept and "采样报告.png" in kept
    # Completed with the kept file (its checkbox) and no new upload.
    answer = handler.post(f"/tasks/{task.id}", {"complete": "1", "outcome": "done", "findings": "属实",
                                                "evidence": str(row.id)}, content_type="multipart/form-data")
    assert answer.status_code == 302
    [event] = [e for e in env.audit(case, "task_completed") if e.detail["task"] == "handle"]
    assert event.detail["data"]["evidence"] == [row.id]
    assert len(_stored(attachments_dir, case.id)) == 1


def test_a_second_person_gets_409_and_their_upload_is_not_kept(env, as_user, attachments_dir):
    case, task = _handle(env)
    late = as_user("handler")
    page = late.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'type="file"' in page
    env.complete(case, "handle", {"outcome": "done", "findings": "先办"}, actor="lead")  # a colleague was first
    answer = late.post(f"/tasks/{task.id}", {"complete": "1", "outcome": "done", "findings": "后办",
                                             "evidence": [(io.BytesIO(images.jpeg()), "late.jpg")]},
                       content_type="multipart/form-data")
    assert answer.status_code == 409
    assert _files(env, case.id) == [] and _stored(attachments_dir, case.id) == []
    with env.db.read() as s:
        assert not s.scalars(select(AuditEvent).where(AuditEvent.kind == "attachment_added",
                                                      AuditEvent.case_id == case.id)).first()
