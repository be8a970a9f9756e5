"""Removing a wrongly attached file: intake staff and supervisors, within their scope, with a
reason; audited; the row and the file kept for the record and shown to administrators only;
hidden from every page, download, document and the public tracking page."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.cases.attachments import check_upload, count_attachments, store_attachments, stored_key
from engine.models import Attachment, Case, Grid, User, UserRole
from engine.org.passwords import hash_password
from tests import images
from tests.conftest import TEST_PASSWORD
from tests.security.uploads import case_file_id, issue_case_file, limits_off, pdf_text
from webapp.access import attachment_removal_scope, load_staff, may_remove_attachments

PHOTO = "错传的身份证照片.jpg"
KEPT = "现场照片.png"


@pytest.fixture(autouse=True)
def _limits(app):
    limits_off(app)


@pytest.fixture
def case(env, app, tmp_path):
    """A case of 城关镇 (T01) in the hands of the air department, submitted on the public portal
    with two photos: one that belongs there and one attached by mistake."""
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    case = env.register(grid_code="T01-A01-V01", channel="public")
    env.accept_and_assign(case, "air")
    env.run(store_attachments, case.id, [check_upload(KEPT, images.png((40, 30))),
                                         check_upload(PHOTO, images.jpeg((40, 30)))],
            root=app.config["ATTACHMENTS_DIR"], actor="public", visibility="public")
    return case


def _add_town_supervisor(env, username: str, town: str) -> None:
    with env.db.write() as s:
        user = User(username=username, display_name=f"{town} 环保办", password_hash=hash_password(TEST_PASSWORD),
                    grid_id=s.scalar(select(Grid.id).where(Grid.code == town)), tier=2,
                    email=f"{username}@greenloop.example")
        user.role_rows = [UserRole(role="supervisor")]
        s.add(user)


def _row(env, case, name=PHOTO) -> Attachment:
    with env.db.read() as s:
        return s.scalars(select(Attachment).where(Attachment.case_id == case.id, Attachment.filename == name)).one()


def _remove(browser, case, row, reason="上传错误：非本案材料，且含他人身份信息"):
    return browser.post(f"/cases/{case.id}/attachments/{row.id}/remove", data={"reason": reason},
                        page_url=f"/cases/{case.id}")


@pytest.mark.parametrize("who", ["intake", "town", "supervisor"])
def test_intake_and_supervisors_remove_with_a_reason_and_it_is_audited(env, as_user, app, case, who):
    row = _row(env, case)
    browser = as_user(who)
    response = _remove(browser, case, row)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]

    removed = _row(env, case)
    assert removed.removed_at == env.runtime.now() and removed.removed_by == who
    assert removed.removed_reason == "上传错误：非本案材料，且含他人身份信息"
    assert (Path(app.config["ATTACHMENTS_DIR"]) / stored_key(removed)).read_bytes() == images.jpeg((40, 30))
    (event,) = env.audit(case, "attachment_removed")
    assert event.actor == who and event.at == env.runtime.now()
    assert event.detail == {"attachment_id": row.id, "filename": PHOTO, "reason": removed.removed_reason}

    page = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"移除附件「{PHOTO}」：上传错误：非本案材料，且含他人身份信息" in page
    assert f"/attachments/{row.id}\"" not in page and KEPT in page
    assert browser.get(f"/cases/{case.id}/attachments/{row.id}").status_code == 404
    with env.db.read() as s:
        assert count_attachments(s, case.id) == 1  # a removed file no longer counts towards the limit


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_a_reason_is_required(env, as_user, case, reason):
    row = _row(env, case)
    response = _remove(as_user("intake"), case, row, reason)
    assert response.status_code == 400 and "请填写移除原因" in response.get_data(as_text=True)
    assert _row(env, case).removed_at is None and env.audit(case, "attachment_removed") == []


def test_removing_twice_is_refused(env, as_user, case):
    row = _row(env, case)
    intake = as_user("intake")
    assert _remove(intake, case, row).status_code == 303
    # Two people removing at once: the second is told it is done already (the timeline says so too).
    again = _remove(as_user("supervisor"), case, row, "再移除一次")
    assert again.status_code == 409 and "该附件已被移除" in again.get_data(as_text=True)
    assert len(env.audit(case, "attachment_removed")) == 1


def test_a_handler_and_another_towns_supervisor_cannot_remove(env, as_user, case):
    row = _row(env, case)
    handler = as_user("handler")  # the air department's: sees the case, may not remove its files
    assert handler.get(f"/cases/{case.id}").status_code == 200
    assert "确认移除" not in handler.get(f"/cases/{case.id}").get_data(as_text=True)
    assert _remove(handler, case, row).status_code == 403
    _add_town_supervisor(env, "town_t02", "T02")
    other_town = as_user("town_t02")  # a supervisor, but of 东城街道: the case is not theirs
    assert other_town.get(f"/cases/{case.id}").status_code == 404
    assert _remove(other_town, case, row).status_code == 404
    other_case = env.register(grid_code="T02-A01-V01")
    # An attachment is only reachable through its own case, for removal too.
    assert _remove(as_user("town_t02"), other_case, row).status_code == 404
    assert _remove(as_user("intake"), other_case, row).status_code == 404
    assert _row(env, case).removed_at is None and env.audit(case, "attachment_removed") == []


def test_an_administrator_can_still_inspect_the_record(env, as_user, case):
    row = _row(env, case)
    assert _remove(as_user("intake"), case, row).status_code == 303
    admin = as_user("admin")
    page = admin.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "已移除的附件" in page and f"/cases/{case.id}/attachments/{row.id}" in page
    assert "上传错误：非本案材料，且含他人身份信息" in page
    download = admin.get(f"/cases/{case.id}/attachments/{row.id}")
    assert download.status_code == 200 and download.data == images.jpeg((40, 30))
    for who in ("intake", "supervisor", "handler"):
        assert "已移除的附件" not in as_user(who).get(f"/cases/{case.id}").get_data(as_text=True)
        assert as_user(who).get(f"/cases/{case.id}/attachments/{row.id}").status_code == 404


def test_the_public_tracking_page_no_longer_shows_or_serves_it(env, as_user, case):
    row, kept = _row(env, case), _row(env, case, KEPT)
    visitor = as_user()
    url = f"/public/track/{case.tracking_code}"
    assert PHOTO in visitor.get(url).get_data(as_text=True)
    assert visitor.get(f"{url}/files/{row.id}").status_code == 200
    assert _remove(as_user("intake"), case, row).status_code == 303
    page = visitor.get(url).get_data(as_text=True)
    assert PHOTO not in page and "上传错误" not in page and KEPT in page
    assert visitor.get(f"{url}/files/{row.id}").status_code == 404
    assert visitor.get(f"{url}/files/{kept.id}").status_code == 200


def test_the_case_file_no_longer_prints_it(env, as_user, case):
    row = _row(env, case)
    issue_case_file(env, case.id)  # issued before the removal, rendered after it
    before = case_file_id(env, case.id)
    assert _remove(as_user("intake"), case, row).status_code == 303
    issue_case_file(env, case.id)  # and one issued after it
    after = case_file_id(env, case.id)
    intake = as_user("intake")
    for document_id in (before, after):
        response = intake.get(f"/cases/{case.id}/documents/{document_id}.pdf")
        assert response.status_code == 200
        text = pdf_text(response.data)
        # Only the timeline still names it, as the removal's own entry.
        assert text.count(PHOTO) == (text.count(f"移除附件「{PHOTO}」") + text.count(f"上传附件「{PHOTO}」")), text
        assert f"移除附件「{PHOTO}」" in text or document_id == before
        assert "照片（1张）" in text and KEPT in text
    # The masked copy a handler gets leaves it out as well.
    masked = as_user("handler").get(f"/cases/{case.id}/documents/{after}.pdf")
    assert masked.status_code == 200
    assert "照片（1张）" in pdf_text(masked.data)


def test_a_new_upload_fills_the_place_of_a_removed_one(env, as_user, case, app):
    # The per-case limit counts files in use: removing a wrong file frees its place.
    row = _row(env, case)
    assert _remove(as_user("intake"), case, row).status_code == 303
    url = f"/public/track/{case.tracking_code}"
    response = as_user().post(f"{url}/add", data={"text": "补正确的照片",
                                                  "attachments": (io.BytesIO(images.jpeg()), "正确.jpg")},
                              page_url=url, content_type="multipart/form-data")
    assert response.status_code == 303


def test_the_rule_says_the_same_in_sql_and_in_python(env, case):
    # The page offers the button (Python form) exactly where the removal is allowed (SQL form).
    _add_town_supervisor(env, "town_t02", "T02")
    with env.db.read() as s:
        for user_id in s.scalars(select(User.id)):
            staff = load_staff(s, user_id)
            in_sql = s.scalar(select(Case.id).where(Case.id == case.id, attachment_removal_scope(staff))) is not None
            assert may_remove_attachments(staff, env.case(case)) == in_sql, staff
            assert in_sql == (staff.username in ("intake", "town", "supervisor", "leader", "admin")), staff.username
