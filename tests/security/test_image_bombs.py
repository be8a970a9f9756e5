"""Crafted images: a header claiming billions of pixels, a real 20000 × 20000 PNG of 50 KB, a
damaged file. Every upload path refuses them with a message; one already in storage does not
stop the case file (案卷) from rendering, on the case page or through the API."""
from __future__ import annotations

import io
import re

import pytest

from documents.storage import ensure_rendered, render_backlog
from engine.cases.attachments import AttachmentRejected, check_upload
from engine.models import Attachment, Case
from engine.models.documents import Document
from engine.org.api_tokens import create_token
from tests import images
from tests.security.uploads import case_file_id, issue_case_file, limits_off, pdf_text, store_directly

TOO_LARGE = "尺寸过大"
DAMAGED = "已损坏或不完整"

BAD_IMAGES = {
    # name: (bytes, what the person is told)
    "bomb.png": (lambda: images.png_claiming(100_000, 100_000), TOO_LARGE),
    "sparse.png": (lambda: images.sparse_png(20_000, 20_000), TOO_LARGE),
    "long.png": (lambda: images.png_claiming(12_001, 100), TOO_LARGE),
    "49mp.png": (lambda: images.png_claiming(7_000, 7_000), TOO_LARGE),
    "truncated.png": (lambda: images.truncated(images.png((300, 200))), DAMAGED),
    "broken.jpg": (lambda: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 100, DAMAGED),
    "broken.heic": (lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00" + b"\x00" * 100, DAMAGED),
}
REASONS = {TOO_LARGE: "pixels", DAMAGED: "damaged"}


@pytest.fixture(autouse=True)
def _limits(app):
    limits_off(app)


@pytest.mark.parametrize("name", list(BAD_IMAGES))
def test_the_check_refuses_by_the_header_without_decoding(name):
    make, said = BAD_IMAGES[name]
    with pytest.raises(AttachmentRejected) as err:
        check_upload(name, make())
    assert err.value.reason == REASONS[said]


def test_the_limits_let_a_real_phone_photo_through():
    # 12000 × 3333 = 39,996,000 pixels: inside both limits (the header is all that is read).
    assert check_upload("panorama.png", images.png_claiming(12_000, 3_333)).content_type == "image/png"
    assert check_upload("photo.heic", images.heic()).content_type == "image/heic"
    assert check_upload("photo.jpg", images.jpeg((640, 480))).content_type == "image/jpeg"
    assert check_upload("report.pdf", b"%PDF-1.4\n%%EOF\n").content_type == "application/pdf"


def _intake_form(name: str, data: bytes) -> dict:
    return {"channel": "hotline", "category": "air", "subject_type": "enterprise", "title": "化工厂异味",
            "grid_code": "T01-A01-V01", "complainant_name": "李四", "complainant_phone": "13900001111",
            "attachments": [(io.BytesIO(data), name)]}


def _public_form(name: str, data: bytes) -> dict:
    return {"category": "noise", "description": "工地每晚十一点后还在打桩", "grid_code": "T01-A01-V01",
            "complainant_name": "李四", "complainant_phone": "13900001111", "subject_type": "construction",
            "attachments": (io.BytesIO(data), name)}


def _counts(env) -> tuple[int, int]:
    return env.count(Case), env.count(Attachment)


def _refused(response, name: str, said: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:300]
    assert re.search(f"图片“{re.escape(name)}”[^<]*{said}", html), "the person is told which file and why"


@pytest.mark.parametrize("name", ["bomb.png", "sparse.png", "broken.jpg", "broken.heic"])
def test_staff_intake_refuses_the_image(env, as_user, name):
    make, said = BAD_IMAGES[name]
    response = as_user("intake").post("/intake/new", data=_intake_form(name, make()), page_url="/intake/new",
                                      content_type="multipart/form-data")
    _refused(response, name, said)
    assert _counts(env) == (0, 0)


@pytest.mark.parametrize("name", ["bomb.png", "sparse.png", "truncated.png"])
def test_public_submission_refuses_the_image(env, as_user, name):
    make, said = BAD_IMAGES[name]
    response = as_user().post("/public/new", data=_public_form(name, make()), content_type="multipart/form-data")
    _refused(response, name, said)
    assert _counts(env) == (0, 0)


@pytest.mark.parametrize("name", ["bomb.png", "sparse.png", "49mp.png"])
def test_public_add_information_refuses_the_image(env, as_user, name):
    case = env.register(channel="public")
    url = f"/public/track/{case.tracking_code}"
    make, said = BAD_IMAGES[name]
    response = as_user().post(f"{url}/add", data={"text": "补充照片", "attachments": (io.BytesIO(make()), name)},
                              page_url=url, content_type="multipart/form-data")
    _refused(response, name, said)
    assert _counts(env) == (1, 0)
    assert env.audit(case, "public_supplement") == []


# ---------------------------------------------------------------------------- already stored


@pytest.fixture
def case_with_bad_images(env, app, tmp_path):
    """A case holding one good photo and, put straight into storage, the crafted ones."""
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    case = env.register()
    root = app.config["ATTACHMENTS_DIR"]
    good = store_directly(env, case.id, root, "现场好照片.jpg", images.jpeg((320, 240)), "image/jpeg")
    bad = {name: store_directly(env, case.id, root, name, BAD_IMAGES[name][0](),
                                "image/heic" if name.endswith(".heic") else
                                "image/jpeg" if name.endswith(".jpg") else "image/png")
           for name in ("bomb.png", "sparse.png", "broken.jpg", "49mp.png")}
    # Pixel data cut short or missing behind a sound header: printed as far as it goes (WeasyPrint
    # has Pillow accept truncated data), and above all not a failed case file.
    partial = [store_directly(env, case.id, root, "cut.jpg", images.truncated(images.jpeg((320, 240))),
                              "image/jpeg"),
               store_directly(env, case.id, root, "hollow.png", images.png_claiming(3000, 2000), "image/png")]
    issue_case_file(env, case.id)
    return case, good, bad, partial


def test_the_case_file_renders_with_a_placeholder_for_each_unreadable_image(env, as_user, case_with_bad_images):
    case, good, bad, _partial = case_with_bad_images
    document_id = case_file_id(env, case.id)
    response = as_user("intake").get(f"/cases/{case.id}/documents/{document_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf", response.status_code
    text = pdf_text(response.data)
    for name in bad:
        assert f"图片无法显示：{name}" in text
    assert f"图片无法显示：{good.filename}" not in text and good.filename in text
    assert all(row.filename in text for row in _partial)
    with env.db.read() as s:
        row = s.get(Document, document_id)
    assert (row.status, row.error) == ("rendered", None)


def test_the_api_download_of_the_case_file_answers_200(env, app, case_with_bad_images):
    case, _good, bad, _partial = case_with_bad_images
    _row, token = env.run(create_token, "test documents", ["documents:read"], created_by="admin", username="intake")
    response = app.test_client().get(f"/api/v1/cases/{case.id}/documents/{case_file_id(env, case.id)}/pdf",
                                     headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    assert "图片无法显示：bomb.png" in pdf_text(response.data)


def test_the_worker_renders_it_too(env, app, case_with_bad_images, tmp_path):
    case, _good, _bad, _partial = case_with_bad_images
    assert render_backlog(env.runtime, documents_dir=tmp_path / "documents",
                          attachments_dir=app.config["ATTACHMENTS_DIR"]) >= 1
    row = ensure_rendered(env.runtime, case_file_id(env, case.id), documents_dir=tmp_path / "documents",
                          attachments_dir=app.config["ATTACHMENTS_DIR"])
    assert row.status == "rendered"


def test_the_case_page_still_opens(env, as_user, case_with_bad_images):
    case, _good, bad, _partial = case_with_bad_images
    page = as_user("intake").get(f"/cases/{case.id}")
    assert page.status_code == 200 and "bomb.png" in page.get_data(as_text=True)
