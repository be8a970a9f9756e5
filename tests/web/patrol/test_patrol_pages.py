"""巡查 pages: the administrator's points (CSRF, field errors) and frequency settings, the grid
officer's patrols and check-in with a photo and a problem, and the ledger's scope; every request
one write transaction (the app fixture counts them)."""
from __future__ import annotations

import io

from sqlalchemy import select

from engine.models import Case, PatrolPhoto, PatrolPoint
from engine.models.documents import Setting
from tests.engine.patrol.conftest import POINT, add_point, check_in_task, patrols, set_clock, start
from tests.images import jpeg


def _point(env):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    point = add_point(env)
    start(env)
    return point


def test_the_administrator_adds_and_edits_a_point_with_field_errors(env, as_user):
    admin = as_user("admin")
    assert "巡查点" in admin.get("/patrol/points").get_data(as_text=True)
    # Without the CSRF token nothing is saved.
    refused = admin.client.post("/patrol/points/new", data={**POINT})
    assert refused.status_code == 400 and env.count(PatrolPoint) == 0
    bad = admin.post("/patrol/points/new", {**POINT, "name": "", "latitude": "91", "grid_code": "C"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "必填" in text and "-90 至 90" in text and "乡镇、网格或村的编码" in text
    assert env.count(PatrolPoint) == 0
    done = admin.post("/patrol/points/new", {**POINT, "every_days": "1.5", "officer": "gridofficer"},
                      page_url="/patrol/points/new")
    assert done.status_code == 303 and env.count(PatrolPoint) == 1
    with env.db.read() as s:
        point = s.scalars(select(PatrolPoint)).one()
    assert (point.every_days, point.checklist) == (1.5, ["废气处理设施运行", "危废台账", "厂界异味"])
    url = f"/patrol/points/{point.id}"
    assert "城关镇玻璃厂" in admin.get(url).get_data(as_text=True)
    saved = admin.post(url, {**POINT, "name": "城关镇玻璃二厂", "every_days": ""})  # no "active": switched off
    assert saved.status_code == 303
    with env.db.read() as s:
        point = s.get(PatrolPoint, point.id)
    assert (point.name, point.every_days, point.active) == ("城关镇玻璃二厂", None, False)
    # Not for anyone else.
    assert as_user("town").get("/patrol/points").status_code == 403
    assert as_user("gridofficer").post("/patrol/points/new", POINT, page_url="/patrol").status_code == 403


def test_the_frequency_settings(env, as_user):
    admin = as_user("admin")
    page = admin.get("/patrol/settings").get_data(as_text=True)
    assert 'value="2.5"' in page and 'value="300"' in page
    bad = admin.post("/patrol/settings", {"every_village": "0", "every_area": "x", "every_town": "5",
                                          "far_metres": "5"})
    assert bad.status_code == 422 and "0.5 至 60" in bad.get_data(as_text=True)
    assert admin.post("/patrol/settings", {"every_village": "3", "every_area": "2.5", "every_town": "5",
                                           "far_metres": "500"}).status_code == 303
    with env.db.read() as s:
        assert s.get(Setting, "patrol").value == {"every": {"village": 3.0, "area": 2.5, "town": 5.0},
                                                  "far_metres": 500}
    assert as_user("town").get("/patrol/settings").status_code == 403


def test_the_grid_officer_checks_in_with_a_photo_and_reports_a_problem(env, as_user):
    _point(env)
    [patrol] = patrols(env)
    task = check_in_task(env, patrol)
    officer = as_user("gridofficer")
    today = officer.get("/patrol").get_data(as_text=True)
    assert "城关镇玻璃厂" in today and f"/patrol/check-in/{task.id}" in today
    # The inbox's task page leads to the check-in page.
    assert officer.get(f"/tasks/{task.id}").headers["Location"].endswith(f"/patrol/check-in/{task.id}")
    url = f"/patrol/check-in/{task.id}"
    page = officer.get(url).get_data(as_text=True)
    assert "废气处理设施运行" in page and 'capture="environment"' in page
    bad = officer.post(url, {"latitude": "30.0003", "longitude": "120", "problem_found": "on"})
    assert bad.status_code == 422 and env.count(Case) == 0
    answer = officer.post(url, {"latitude": "30.0003", "longitude": "120", "answer-0": "problem",
                                "problem_found": "on", "problem_category": "air", "problem_title": "废气直排",
                                "photos": (io.BytesIO(jpeg()), "site.jpg")},
                          content_type="multipart/form-data")
    assert answer.status_code == 303
    [patrol] = patrols(env)
    assert patrol.status == "done" and patrol.case_id is not None
    case = env.case(patrol.case_id)
    assert (case.channel, case.title) == ("grid", "废气直排")
    with env.db.read() as s:
        assert s.scalar(select(PatrolPhoto.content_type).where(PatrolPhoto.patrol_id == patrol.id)) == "image/jpeg"
    # Done: the page is gone.
    assert officer.get(url).status_code == 404


def test_the_ledger_is_scoped_to_the_supervisor_s_grid(env, as_user):
    _point(env)
    set_clock(env, "2026-04-04T10:00:00+08:00")
    town = as_user("town").get("/patrol/ledger?by=town").get_data(as_text=True)
    assert "城关镇" in town and "<td data-label=\"应巡\">1</td>" in town
    other = as_user("supervisor").get("/patrol/ledger?by=officer").get_data(as_text=True)
    assert "城关镇网格员 陈静" in other  # the county's section sees the whole county
    assert as_user("gridofficer").get("/patrol/ledger").status_code == 404
    assert as_user("handler").get("/patrol/ledger").status_code == 404
