"""Attachments: type by content, size and count limits, storage, and who may download them."""
from io import BytesIO
from urllib.parse import quote

import pytest
from sqlalchemy import select

from engine.cases.attachments import (
    MAX_FILE_BYTES,
    MAX_FILES_PER_CASE,
    AttachmentRejected,
    check_upload,
    check_uploads,
    detect_type,
    store_attachments,
)
from engine.models import Attachment
from tests import images

# Real (tiny) images: uploads are parsed and measured, not only recognised by their first bytes.
JPEG = images.jpeg()
PNG = images.png()
GIF = images.gif()
WEBP = images.webp()
PDF = b"%PDF-1.4\n" + b"0" * 100
HEIC = images.heic()
HTML = b"<!doctype html><script>alert(1)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def form(**overrides) -> dict:
    data = {"channel": "hotline", "category": "air", "subject_type": "enterprise", "title": "化工厂异味",
            "grid_code": "T01-A01-V01", "complainant_name": "李四", "complainant_phone": "13900001111"}
    data.update(overrides)
    return data


@pytest.mark.parametrize("data, expected", [
    (JPEG, "image/jpeg"), (PNG, "image/png"), (GIF, "image/gif"), (WEBP, "image/webp"), (PDF, "application/pdf"),
    (HEIC, "image/heic"), (HTML, None), (SVG, None), (b"PK\x03\x04zip", None), (b"MZ\x90\x00exe", None),
])
def test_type_is_detected_from_the_content(data, expected):
    assert detect_type(data[:32]) == expected


def test_the_name_does_not_decide_the_type():
    with pytest.raises(AttachmentRejected) as err:
        check_upload("photo.jpg", HTML)
    assert err.value.reason == "type"
    assert check_upload("scan.txt", PDF).content_type == "application/pdf"
    assert check_upload("../../etc/passwd\x00.png", PNG).filename == "passwd.png"


def test_size_and_count_limits():
    with pytest.raises(AttachmentRejected) as err:
        check_upload("big.png", PNG + b"\x00" * (MAX_FILE_BYTES - len(PNG) + 1))
    assert err.value.reason == "size"
    assert check_upload("ok.png", PNG + b"\x00" * (MAX_FILE_BYTES - len(PNG))).size == MAX_FILE_BYTES
    with pytest.raises(AttachmentRejected) as err:
        check_upload("empty.png", b"")
    assert err.value.reason == "empty"
    assert len(check_uploads([("a.png", PNG)] * 2, existing=MAX_FILES_PER_CASE - 2)) == 2
    with pytest.raises(AttachmentRejected) as err:
        check_uploads([("a.png", PNG)] * 2, existing=MAX_FILES_PER_CASE - 1)
    assert err.value.reason == "count"


def test_store_refuses_past_the_per_case_limit_and_leaves_no_files(env, attachments_dir):
    case = env.register()
    files = check_uploads([("a.png", PNG)] * MAX_FILES_PER_CASE)
    assert len(env.run(store_attachments, case.id, files, root=attachments_dir, actor="intake")) == 30
    with pytest.raises(AttachmentRejected):
        env.run(store_attachments, case.id, check_uploads([("b.png", PNG)]), root=attachments_dir, actor="intake")
    assert len(list((attachments_dir / str(case.id)).iterdir())) == MAX_FILES_PER_CASE
    assert len(env.audit(case, "attachment_added")) == MAX_FILES_PER_CASE


def post_with_file(browser, name: str, data: bytes, **overrides):
    """The intake form, posted with one file attached."""
    return browser.post("/intake/new", data=form(attachments=[(BytesIO(data), name)], **overrides),
                        page_url="/intake/new", content_type="multipart/form-data")


@pytest.mark.parametrize("name, content, status, message", [
    ("photo.jpg", lambda: HTML, 400, "文件“photo.jpg”不是允许的类型"),  # the name does not decide the type
    ("big.png", lambda: PNG + b"\x00" * (MAX_FILE_BYTES + 1 - len(PNG)), 400, "文件“big.png”超过 10 MB，未上传"),
    ("a.png", lambda: b"\x00" * (26 * 1024 * 1024), 413, "上传的文件太大"),  # the whole request is too large
], ids=["html_named_jpg", "oversized_file", "oversized_request"])
def test_a_refused_upload_is_explained_and_registers_nothing(env, as_user, name, content, status, message):
    response = post_with_file(as_user("intake"), name, content())
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert env.count() == 0


def _case_with_attachment(env, as_user, grid_code="T01-A01-V01", name="现场 照片(1).png", data=PNG):
    browser = as_user("intake")
    response = post_with_file(browser, name, data, grid_code=grid_code)
    assert response.status_code == 302
    with env.db.read() as s:
        row = s.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
    return row, browser


def test_download_sends_the_detected_type_safely(env, as_user):
    row, browser = _case_with_attachment(env, as_user)
    url = f"/cases/{row.case_id}/attachments/{row.id}"
    assert f'href="{url}"' in browser.get(f"/cases/{row.case_id}").get_data(as_text=True)
    response = browser.get(url)
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith(f'inline; filename="attachment-{row.id}.png"; ')
    assert "filename*=UTF-8''" + quote("现场 照片(1).png", safe="") in disposition


def test_heic_is_offered_as_a_download(env, as_user):
    row, browser = _case_with_attachment(env, as_user, name="IMG_0001.HEIC", data=HEIC)
    response = browser.get(f"/cases/{row.case_id}/attachments/{row.id}")
    assert response.headers["Content-Type"] == "image/heic"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_download_is_404_outside_the_case_scope(env, as_user):
    row, _ = _case_with_attachment(env, as_user, grid_code="T02-A01-V01")
    url = f"/cases/{row.case_id}/attachments/{row.id}"
    assert as_user("gridofficer").get(url).status_code == 404
    assert as_user("handler").get(url).status_code == 404  # not assigned to the air department yet
    assert as_user("supervisor").get(url).status_code == 200
    other = env.register()
    # An attachment is only reachable through its own case.
    assert as_user("intake").get(f"/cases/{other.id}/attachments/{row.id}").status_code == 404
    assert as_user().get(url).status_code == 302  # signed out: to the login page


def test_upload_is_recorded_in_the_timeline(env, as_user):
    row, browser = _case_with_attachment(env, as_user, name="夜间照片.jpg", data=JPEG)
    html = browser.get(f"/cases/{row.case_id}").get_data(as_text=True)
    assert "上传附件「夜间照片.jpg」" in html
    assert row.stored_path.startswith(f"{row.case_id}/") and row.stored_path.endswith(".jpg")
    assert "夜间" not in row.stored_path
