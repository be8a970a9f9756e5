"""Evidence in task forms (engine/cases/evidence.py): checked like intake uploads, stored with the
task, kept only when it is the task's own, removed when the transaction rolls back, printed in the
reply letter when the form says so, and the check method (现场/非现场) recorded in the task data."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

import forms
from documents.issue import list_documents
from documents.storage import ensure_rendered
from engine.cases.attachments import AttachmentRejected
from engine.cases.evidence import attach_evidence, check_field_uploads
from engine.core.errors import TaskConflict
from engine.models import Attachment
from engine.vocabulary.words import CHECK_METHODS, check_mode
from engine.work.task_files import file_fields, task_files
from engine.work.tasks import complete_task
from tests import images


@pytest.fixture
def dirs(tmp_path):
    return {"documents_dir": tmp_path / "documents", "attachments_dir": tmp_path / "attachments"}


def _handle_task(env):
    case = env.register()
    env.accept_and_assign(case)
    return case, env.task(case, "handle")


def _attach(env, task, data, uploads, root, actor="handler"):
    form = forms.load_form(task.form)
    checked = check_field_uploads(form, uploads, {n: data.get(n, []) for n in file_fields(form)})

    def run(session, runtime):
        return attach_evidence(session, runtime, task, form, data, checked, root=root, actor=actor)

    return env.run(lambda session, runtime: run(session, runtime))


def test_completing_a_task_drops_an_id_of_another_tasks_file(env, dirs):
    other, other_task = _handle_task(env)
    borrowed = _attach(env, other_task, {}, {"evidence": [("a.png", images.png())]}, dirs["attachments_dir"])
    case, task = _handle_task(env)
    # As an API client could send it, past the web page's upload path.
    env.run(complete_task, task.id, {"outcome": "done", "findings": "属实", "evidence": borrowed["evidence"]}, "x")
    [event] = [e for e in env.audit(case, "task_completed") if e.detail["task"] == "handle"]
    assert "evidence" not in event.detail["data"]


def test_the_process_forms_that_gather_evidence_have_a_file_field():
    for name in ("handle", "joint_handle", "feedback", "follow_up_review"):
        assert file_fields(forms.load_form(name)) == ["evidence"], name
    handle = forms.load_form("handle")
    assert set(handle.schema["properties"]["check_method"]["enum"]) == set(CHECK_METHODS)
    assert forms.file_options(handle, "evidence") == (["image", "pdf"], 10, True)


def test_the_check_method_says_on_site_or_non_site():
    assert check_mode("on_site") == "on_site"
    assert {check_mode(m) for m in CHECK_METHODS if m != "on_site"} == {"non_site"}
    assert check_mode(None) is None and check_mode("guess") is None


def test_a_photo_is_stored_with_the_task_and_named_in_its_record(env, dirs):
    case, task = _handle_task(env)
    data = _attach(env, task, {"outcome": "done", "findings": "属实", "check_method": "drone"},
                   {"evidence": [("现场.jpg", images.jpeg((40, 30)))]}, dirs["attachments_dir"])
    env.run(complete_task, task.id, data, "handler")
    [event] = [e for e in env.audit(case, "task_completed") if e.detail["task"] == "handle"]
    with env.db.read() as s:
        [row] = s.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
    assert event.detail["data"]["evidence"] == [row.id]
    assert event.detail["data"]["check_method"] == "drone"
    # Kept on the case too: the share of non-site enforcement counts it (engine/measures).
    assert env.case(case).check_method == "drone"
    assert (row.task_id, row.kind, row.visibility, row.content_type) == (task.id, "evidence", "internal", "image/jpeg")
    assert (dirs["attachments_dir"] / row.stored_path).is_file()
    assert [e.detail["filename"] for e in env.audit(case, "attachment_added")] == ["现场.jpg"]


def test_an_id_that_is_not_the_tasks_own_file_is_dropped(env, dirs):
    other, other_task = _handle_task(env)
    borrowed = _attach(env, other_task, {}, {"evidence": [("a.png", images.png())]}, dirs["attachments_dir"])
    case, task = _handle_task(env)
    data = _attach(env, task, {"evidence": borrowed["evidence"] + [999999]}, {}, dirs["attachments_dir"])
    assert "evidence" not in data
    with env.db.read() as s:
        assert task_files(s, task.id) == {}


@pytest.mark.parametrize(("upload", "reason"), [
    (("page.jpg", b"<html><script>alert(1)</script></html>"), "type"),
    (("bomb.png", images.png_claiming(30000, 30000)), "pixels"),
    (("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024)), "size"),
])
def test_a_bad_file_is_refused_by_the_one_upload_check(upload, reason):
    form = forms.load_form("handle")
    with pytest.raises(AttachmentRejected) as caught:
        check_field_uploads(form, {"evidence": [upload]}, {})
    assert (caught.value.reason, caught.value.field) == (reason, "evidence")


def test_more_files_than_the_field_allows_are_refused():
    form = forms.load_form("handle")
    with pytest.raises(AttachmentRejected) as caught:
        check_field_uploads(form, {"evidence": [(f"{n}.png", images.png()) for n in range(3)]},
                            {"evidence": list(range(8))})
    assert (caught.value.reason, caught.value.limit) == ("max_files", 10)


def test_a_completion_that_loses_the_race_leaves_no_file(env, dirs):
    case, task = _handle_task(env)
    env.run(complete_task, task.id, {"outcome": "done", "findings": "先办"}, "handler2")
    form = forms.load_form("handle")
    checked = check_field_uploads(form, {"evidence": [("late.jpg", images.jpeg())]}, {})

    def late(session, runtime):
        data = attach_evidence(session, runtime, task, form, {"outcome": "done", "findings": "后办"}, checked,
                               root=dirs["attachments_dir"], actor="handler")
        complete_task(session, runtime, task.id, data, "handler")

    with pytest.raises(TaskConflict):
        env.run(late)
    folder = dirs["attachments_dir"] / str(case.id)
    assert not folder.exists() or list(folder.iterdir()) == []
    with env.db.read() as s:
        assert s.scalars(select(Attachment).where(Attachment.case_id == case.id)).all() == []


def _pdf_images(path) -> int:
    reader = PdfReader(path)
    return len({obj.indirect_reference.idnum for page in reader.pages
                for obj in (page["/Resources"].get("/XObject") or {}).values()
                if obj.get_object()["/Subtype"] == "/Image"})


def test_the_reply_letter_prints_the_handlers_chosen_photos_and_the_case_file_all(env, dirs):
    case, task = _handle_task(env)
    data = _attach(env, task, {"outcome": "done", "findings": "现场核查属实", "check_method": "on_site"},
                   {"evidence": [("整改前.jpg", images.jpeg((60, 40))), ("整改后.png", images.png((60, 40)))]},
                   dirs["attachments_dir"])
    env.run(complete_task, task.id, data, "handler")
    feedback = env.task(case, "feedback")
    reply_data = _attach(env, feedback, {"reply": "已处理", "contact_method": "phone"},
                         {"evidence": [("回执.png", images.png((50, 50)))]}, dirs["attachments_dir"])
    env.run(complete_task, feedback.id, reply_data, "handler")
    env.complete(case, "review", {"approved": True})
    env.complete(case, "follow_up", {"satisfaction": "satisfied"})
    with env.db.read() as s:
        rows = {d.kind: d for d in list_documents(s, case.id)}
    reply = ensure_rendered(env.runtime, rows["reply"].id, **dirs)
    text = "".join(p.extract_text() for p in PdfReader(dirs["documents_dir"] / reply.stored_path).pages)
    assert "整改前.jpg" in text and "整改后.png" in text and "回执.png" not in text
    assert _pdf_images(dirs["documents_dir"] / reply.stored_path) == 2  # only the handle form's (in_reply)
    case_file = ensure_rendered(env.runtime, rows["case_file"].id, **dirs)
    assert _pdf_images(dirs["documents_dir"] / case_file.stored_path) == 3
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        (dirs["documents_dir"] / case_file.stored_path).read_bytes())).pages)
    assert "回执.png" in text and "现场检查" in text


def test_the_feedback_s_photos_are_printed_in_the_reply_when_the_handler_chooses(env, dirs):
    case, task = _handle_task(env)
    env.run(complete_task, task.id, {"outcome": "done", "findings": "现场核查属实", "check_method": "on_site"}, "handler")
    feedback = env.task(case, "feedback")
    assert forms.prints_in_reply(forms.load_form("feedback"), "evidence", {"photos_in_reply": True})
    assert not forms.prints_in_reply(forms.load_form("feedback"), "evidence", {})
    reply_data = _attach(env, feedback, {"reply": "已整改到位", "contact_method": "letter", "photos_in_reply": True},
                         {"evidence": [("整改后现场.jpg", images.jpeg((60, 40)))]}, dirs["attachments_dir"])
    env.run(complete_task, feedback.id, reply_data, "handler")
    env.complete(case, "review", {"approved": True})
    with env.db.read() as s:
        rows = {d.kind: d for d in list_documents(s, case.id)}
    reply = ensure_rendered(env.runtime, rows["reply"].id, **dirs)
    assert [p["filename"] for p in rows["reply"].context["photos"]] == ["整改后现场.jpg"]
    text = "".join(p.extract_text() for p in PdfReader(dirs["documents_dir"] / reply.stored_path).pages)
    assert "整改后现场.jpg" in text
    assert _pdf_images(dirs["documents_dir"] / reply.stored_path) == 1
