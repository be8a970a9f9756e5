"""A grid officer on a phone (390×844) checks in on a due patrol: the position comes from the
phone's location, a photo is chosen with the file input, and a problem found is reported as a
case from the check-in."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from engine.models import Patrol
from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.engine.patrol.conftest import add_point, patrols, set_clock, start
from tests.images import jpeg

# ~56 m north of the point (tests/engine/patrol/conftest.py POINT: 30.0, 120.0).
HERE = {"latitude": 30.0005, "longitude": 120.0}


@pytest.fixture
def due(sqlite_only, env):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    add_point(env)
    start(env)
    return patrols(env)[0]


def test_a_grid_officer_checks_in_with_a_photo_and_reports_a_problem(sqlite_only, sign_in, due, env, shot, tmp_path):
    page: Page = sign_in("gridofficer", **PHONE, geolocation=HERE, permissions=["geolocation"])
    page.goto("/")
    page.get_by_role("link", name="今日巡查").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("今日巡查")
    expect(page.locator(".patrol-distance")).to_contain_text("56 米")
    no_horizontal_overflow(page, "today's patrols")
    page.get_by_role("link", name="城关镇玻璃厂").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("巡查签到")
    # The position is filled from the phone's location, with the distance to the point.
    expect(page.get_by_label("纬度")).to_have_value("30.000500")
    expect(page.locator("#locate-status")).to_contain_text("距巡查点 56 米")
    no_horizontal_overflow(page, "check-in")
    page.get_by_role("radiogroup", name="厂界异味").get_by_label("有问题").check()
    page.get_by_label("巡查情况").fill("厂界东侧闻到刺鼻气味")
    photo = tmp_path / "site.jpg"
    photo.write_bytes(jpeg((64, 48)))
    page.get_by_label("现场照片（可多张）").set_input_files(str(photo))
    # The problem's fields show once a problem is found.
    expect(page.get_by_label("问题概要")).to_be_hidden()
    page.get_by_label("发现问题，立案办理").check()
    page.get_by_label("问题类别").select_option("air")
    page.get_by_label("问题概要").fill("废气处理设施未运行")
    shot(page, "patrol-check-in-phone")
    page.get_by_role("button", name="提交签到").click()
    expect(page.get_by_text("发现的问题已立案")).to_be_visible()
    expect(page.get_by_text("目前没有待巡查的点。")).to_be_visible()

    [patrol] = patrols(env)
    assert (patrol.status, patrol.far, patrol.answers["厂界异味"]) == ("done", False, "problem")
    case = env.case(patrol.case_id)
    assert (case.channel, case.title) == ("grid", "废气处理设施未运行")
    with env.db.read() as s:
        assert s.get(Patrol, patrol.id).distance_m == pytest.approx(55.6, abs=0.5)
