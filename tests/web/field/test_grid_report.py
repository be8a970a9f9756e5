"""The grid officer's report page: one post registers a case that is already accepted and
assigned by the routing table; a resend of the same form registers nothing new; a position out
of range is refused with a clear message; only a handler posted to a grid may use it."""
from __future__ import annotations

import html as htmlmod
import io
import re

from sqlalchemy import select

from engine.models import Attachment, Case, Department
from tests import images

TOKEN_RE = re.compile(r'name="submission_token" value="([^"]+)"')


def _form(browser, **extra):
    page = browser.get("/field/report").get_data(as_text=True)
    data = {"submission_token": TOKEN_RE.search(page).group(1), "category": "water",
            "description": "河道排污口排放黑水", "latitude": "30.12", "longitude": "120.21"}
    data.update(extra)
    return data


def _cases(env) -> list[Case]:
    with env.db.read() as s:
        return list(s.scalars(select(Case).where(Case.channel == "grid")))


def test_the_page_is_made_for_the_phone_camera_and_position(as_user):
    html = as_user("gridofficer").get("/field/report").get_data(as_text=True)
    assert 'accept="image/*" capture="environment"' in html
    assert 'id="locate"' in html and "grid_report.js" in html and 'name="grid_code"' in html
    assert "网格员上报" in as_user("gridofficer").get("/overview").get_data(as_text=True)  # in the navigation


def test_only_a_grid_officer_reaches_it(as_user):
    assert as_user("handler").get("/field/report").status_code == 404  # a handler not posted to a grid
    assert as_user("intake").get("/field/report").status_code == 404
    assert "网格员上报" not in as_user("handler").get("/overview").get_data(as_text=True)


def test_a_report_arrives_accepted_and_assigned_with_its_photo(env, as_user, attachments_dir):
    officer = as_user("gridofficer")
    data = _form(officer, photos=(io.BytesIO(images.jpeg((40, 30))), "IMG_0001.jpg"))
    answer = officer.post("/field/report", data, content_type="multipart/form-data")
    assert answer.status_code == 302
    [case] = _cases(env)
    assert (case.status, case.stage, case.latitude, case.longitude) == ("handling", "handle", 30.12, 120.21)
    assert case.title == "河道排污口排放黑水" and case.created_by_id is not None
    assert [t.spec for t in env.ready(case)] == ["handle"]
    with env.db.read() as s:
        department = s.get(Department, case.department_id)
        [photo] = s.scalars(select(Attachment).where(Attachment.case_id == case.id)).all()
    assert department.code == env.audit(case, "assigned")[0].detail["department"]
    assert photo.filename == "IMG_0001.jpg" and (attachments_dir / photo.stored_path).is_file()
    page = htmlmod.unescape(officer.get(answer.headers["Location"]).get_data(as_text=True))
    assert f"已上报 {case.number}" in page


def test_a_resend_of_the_same_draft_registers_nothing_new(env, as_user):
    officer = as_user("gridofficer")
    data = _form(officer)
    first = officer.post("/field/report", data, headers={"X-Requested-With": "fetch"})
    assert first.status_code == 200 and first.get_json()["ok"]
    again = officer.post("/field/report", data, headers={"X-Requested-With": "fetch"})
    assert again.get_json()["ok"] and again.get_json()["number"] == first.get_json()["number"]
    assert "已经提交过" in again.get_json()["message"]
    assert len(_cases(env)) == 1


def test_a_position_out_of_range_is_refused_clearly(env, as_user):
    officer = as_user("gridofficer")
    answer = officer.post("/field/report", _form(officer, latitude="123.4", longitude="500"),
                          headers={"X-Requested-With": "fetch"})
    assert answer.status_code == 400
    assert answer.get_json()["errors"]["position"] == ["位置超出范围：纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间"]
    page = officer.post("/field/report", _form(officer, latitude="30.1", longitude=""))
    assert page.status_code == 400
    assert "位置需同时有纬度和经度" in htmlmod.unescape(page.get_data(as_text=True))
    assert _cases(env) == []


def test_without_a_position_the_officers_grid_or_the_picked_village_is_used(env, as_user):
    officer = as_user("gridofficer")
    assert officer.post("/field/report", _form(officer, latitude="", longitude="")).status_code == 302
    assert officer.post("/field/report", _form(officer, latitude="", longitude="",
                                               grid_code="T01-A01-V01")).status_code == 302
    paths = sorted(c.grid_path for c in _cases(env))
    assert len(paths) == 2 and any(p.endswith("T01-A01-V01") or "T01-A01-V01" in p for p in paths)
