"""Files kept in an S3-compatible object store (GREENLOOP_STORAGE_URL, engine/storage/s3.py) are
served exactly as files from the data folder are: streamed with the download headers of
webapp/downloads.py, never from a key a row could point outside its folder, and uploads go through
the same checks on the way in. The store is a real S3 HTTP server (tests/s3_server.py)."""
from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from sqlalchemy import select, true

from documents.issue import issue_now
from engine.cases.attachments import check_upload, store_attachments
from engine.core.config import load_settings
from engine.models import Attachment, Case
from engine.storage import ATTACHMENTS, DOCUMENTS
from engine.storage.s3 import S3Store
from tests import images
from tests.s3_server import s3_server
from tests.security.test_downloads import HOSTILE_PDF, assert_safe
from tests.security.uploads import limits_off
from webapp import create_app


@pytest.fixture(scope="module")
def s3_url():
    with s3_server() as url:
        yield url


@pytest.fixture
def app(env, tmp_path, translations, s3_url):
    """The web app with no folder of its own configured: every file goes to the object store."""
    settings = replace(load_settings({"GREENLOOP_DATA_DIR": str(tmp_path / "data")}),
                       storage_url=f"{s3_url.split('?')[0]}/{tmp_path.name}?{s3_url.split('?')[1]}")
    app = create_app(settings, runtime=env.runtime, TESTING=True, LOGIN_RATE_LIMIT="1000 per minute",
                     BABEL_TRANSLATION_DIRECTORIES=str(translations))
    limits_off(app)
    return app


def _store(app):
    return app.extensions["greenloop_store"]


@pytest.fixture
def case(env):
    case = env.register(grid_code="T01-A01-V01", channel="public")
    env.accept_and_assign(case, "air")
    return case


def test_files_from_the_object_store_keep_the_download_headers(env, app, as_user, case, tmp_path):
    assert isinstance(_store(app), S3Store)
    (pdf,) = env.run(store_attachments, case.id, [check_upload("监测报告.pdf", HOSTILE_PDF)],
                     root=_store(app).child(ATTACHMENTS), actor="intake", visibility="public")
    staff = as_user("intake").get(f"/cases/{case.id}/attachments/{pdf.id}")
    assert_safe(staff, "attachment", "监测报告.pdf")
    assert staff.data == HOSTILE_PDF and staff.headers["Content-Length"] == str(len(HOSTILE_PDF))
    public = as_user().get(f"/public/track/{case.tracking_code}/files/{pdf.id}")
    assert_safe(public, "attachment", "监测报告.pdf")

    notice = env.run(issue_now, case.id, "acceptance_notice", actor="intake", scope=true())
    document = as_user("intake").get(f"/cases/{case.id}/documents/{notice.id}.pdf")
    assert_safe(document, "attachment", f"受理告知书-{notice.number}.pdf")
    assert document.data.startswith(b"%PDF-")
    assert list(_store(app).child(DOCUMENTS).keys(f"{case.id}/"))
    assert not list((tmp_path / "data").rglob("*.pdf"))  # nothing written to the local folder


@pytest.mark.parametrize("stored_path", ["../documents/1/x.pdf", "/etc/passwd", "7/../../secret_key", ""])
def test_a_row_pointing_outside_the_attachments_folder_is_not_found(env, app, as_user, case, stored_path):
    (row,) = env.run(store_attachments, case.id, [check_upload("a.png", images.png())],
                     root=_store(app).child(ATTACHMENTS), actor="intake", visibility="public")
    _store(app).put("documents/1/x.pdf", b"%PDF-1.7 not yours")
    with env.db.write() as s:
        s.get(Attachment, row.id).stored_path = stored_path
    assert as_user("intake").get(f"/cases/{case.id}/attachments/{row.id}").status_code == 404
    assert as_user().get(f"/public/track/{case.tracking_code}/files/{row.id}").status_code == 404


def test_a_public_upload_is_checked_before_it_reaches_the_object_store(env, app, as_user):
    visitor = as_user()
    form = {"category": "noise", "description": "工地每晚十一点后还在打桩", "grid_code": "T01-A01-V01",
            "address": "城关镇幸福路 8 号旁工地", "complainant_name": "李四", "complainant_phone": "13900001111",
            "subject_type": "construction"}
    disguised = visitor.post("/public/new", data={**form, "attachments": (io.BytesIO(b"<html><script>x</script>"),
                                                                          "photo.jpg")},
                             content_type="multipart/form-data")
    assert disguised.status_code == 400 and not list(_store(app).keys(ATTACHMENTS))
    photo = images.jpeg()
    good = visitor.post("/public/new", data={**form, "attachments": (io.BytesIO(photo), "现场.jpg")},
                        content_type="multipart/form-data")
    assert good.status_code == 303
    code = re.search(r'id="tracking-code">([0-9A-Z]{10})<', visitor.get("/public/submitted").get_data(as_text=True))
    with env.db.read() as s:
        row = s.scalars(select(Attachment).join(Case).where(Case.tracking_code == code.group(1))).one()
    assert _store(app).child(ATTACHMENTS).read(row.stored_path) == photo
