"""Files served from the app's own origin cannot act as pages of it: a PDF is always a download,
nothing is content-sniffed, and a sandbox CSP strips a rendered file of script and origin."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from sqlalchemy import true

from documents.issue import issue_now
from engine.cases.attachments import check_upload, store_attachments
from engine.org.api_tokens import create_token
from tests import images
from tests.security.uploads import limits_off

# A PDF with an embedded script, as an attacker would upload it.
HOSTILE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(document.cookie))>>>>"
               b"endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


@pytest.fixture(autouse=True)
def _limits(app):
    limits_off(app)


def assert_safe(response, disposition: str, name: str) -> None:
    assert response.status_code == 200, response.status_code
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    csp = [part.strip() for part in headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert headers["Cache-Control"] == "private, no-store"
    value = headers["Content-Disposition"]
    assert value.split(";")[0] == disposition
    # RFC 6266: a quoted ASCII filename for old clients, RFC 5987 filename* with the real name.
    fallback = re.search(r'filename="([^"]*)"', value)
    assert fallback and fallback.group(1).isascii() and re.fullmatch(r"[A-Za-z0-9._-]+", fallback.group(1))
    encoded = re.search(r"filename\*=UTF-8''([^;\s]+)", value)
    assert encoded and encoded.group(1).isascii() and unquote(encoded.group(1)) == name


@pytest.fixture
def case(env, app):
    case = env.register(grid_code="T01-A01-V01", channel="public")
    env.accept_and_assign(case, "air")
    return case


def _store(env, app, case, name, data, visibility="public"):
    (row,) = env.run(store_attachments, case.id, [check_upload(name, data)], root=app.config["ATTACHMENTS_DIR"],
                     actor="intake", visibility=visibility)
    return row


def test_an_attached_pdf_is_a_download_for_staff_and_the_public(env, app, as_user, case):
    row = _store(env, app, case, "监测报告（第3期）.pdf", HOSTILE_PDF)
    staff = as_user("intake").get(f"/cases/{case.id}/attachments/{row.id}")
    assert_safe(staff, "attachment", "监测报告（第3期）.pdf")
    assert staff.data == HOSTILE_PDF and staff.mimetype == "application/pdf"
    public = as_user().get(f"/public/track/{case.tracking_code}/files/{row.id}")
    assert_safe(public, "attachment", "监测报告（第3期）.pdf")


def test_a_photo_may_show_inline_but_still_sandboxed(env, app, as_user, case):
    row = _store(env, app, case, "现场 照片(1).png", images.png())
    assert_safe(as_user("intake").get(f"/cases/{case.id}/attachments/{row.id}"), "inline", "现场 照片(1).png")
    assert_safe(as_user().get(f"/public/track/{case.tracking_code}/files/{row.id}"), "inline", "现场 照片(1).png")
    heic = _store(env, app, case, "IMG_0001.HEIC", images.heic())
    assert_safe(as_user("intake").get(f"/cases/{case.id}/attachments/{heic.id}"), "attachment", "IMG_0001.heic")


def test_case_documents_are_downloads_official_and_masked(env, app, as_user, case, tmp_path):
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    notice = env.run(issue_now, case.id, "acceptance_notice", actor="intake", scope=true())
    response = as_user("intake").get(f"/cases/{case.id}/documents/{notice.id}.pdf")
    assert_safe(response, "attachment", f"受理告知书-{notice.number}.pdf")
    assert response.data.startswith(b"%PDF-")
    masked = as_user("handler").get(f"/cases/{case.id}/documents/{notice.id}.pdf")
    assert_safe(masked, "attachment", f"受理告知书-{notice.number}-脱敏副本.pdf")


def test_api_document_downloads_carry_the_same_headers(env, app, case, tmp_path):
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    notice = env.run(issue_now, case.id, "acceptance_notice", actor="intake", scope=true())
    _row, token = env.run(create_token, "test documents", ["documents:read"], created_by="admin", username="intake")
    response = app.test_client().get(f"/api/v1/cases/{case.id}/documents/{notice.id}/pdf",
                                     headers={"Authorization": f"Bearer {token}"})
    assert_safe(response, "attachment", f"受理告知书-{notice.number}-v1.pdf")
