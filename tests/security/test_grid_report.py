"""The grid officer's report (webapp/field/grid_report.py): CSRF kept, the photos pass the one
upload check, the page is for grid officers only, and what is typed comes back as text."""
from __future__ import annotations

import html as htmlmod
import io

import pytest
from sqlalchemy import select

from engine.models import Attachment, Case
from tests import images
from tests.web.field.test_grid_report import _form


def _nothing_registered(env, attachments_dir):
    with env.db.read() as s:
        assert s.scalars(select(Case).where(Case.channel == "grid")).all() == []
        assert s.scalars(select(Attachment)).all() == []
    assert not attachments_dir.exists() or not any(attachments_dir.rglob("*.*"))


def test_the_report_needs_the_csrf_token(env, as_user, attachments_dir):
    officer = as_user("gridofficer")
    data = _form(officer)
    answer = officer.client.post("/field/report", data=data)
    assert answer.status_code == 400
    _nothing_registered(env, attachments_dir)


@pytest.mark.parametrize(("name", "data", "said"), [
    ("photo.jpg", b"<html><script>alert(1)</script></html>", "不是允许的类型"),
    ("bomb.png", images.png_claiming(50000, 50000), "尺寸过大"),
])
def test_a_bad_photo_registers_nothing(env, as_user, attachments_dir, name, data, said):
    officer = as_user("gridofficer")
    answer = officer.post("/field/report", _form(officer, photos=(io.BytesIO(data), name)),
                          content_type="multipart/form-data")
    assert answer.status_code == 400
    assert said in htmlmod.unescape(answer.get_data(as_text=True))
    _nothing_registered(env, attachments_dir)


def test_other_staff_cannot_post_a_report(env, as_user, attachments_dir):
    intake = as_user("intake")
    answer = intake.client.post("/field/report", data={"csrf_token": intake.any_token(), "category": "air",
                                                       "description": "x"})
    assert answer.status_code == 404
    _nothing_registered(env, attachments_dir)


def test_what_was_typed_comes_back_as_text(env, as_user):
    officer = as_user("gridofficer")
    answer = officer.post("/field/report", _form(officer, description='<script>alert("x")</script>',
                                                 latitude="91", longitude="1"))
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    assert '<script>alert("x")</script>' not in page and "&lt;script&gt;" in page
