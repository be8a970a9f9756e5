"""A resident on a phone (390×844): submits a complaint with a photo, keeps the code, tracks it,
and rates the reply once the bureau has answered."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine.models import Attachment, Case
from tests.browser.conftest import htmx_ready, no_horizontal_overflow


@pytest.fixture(autouse=True)
def _own_data_dir(monkeypatch, tmp_path):
    # The live server's uploads go to this test's folder, not the repository's instance/.
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path / "data"))


def _photo(path) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 60)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def test_resident_submits_with_a_photo_tracks_and_rates_on_a_phone(sqlite_only, phone_page: Page, env, shot,
                                                                   tmp_path):
    page = phone_page
    page.goto("/public/")
    no_horizontal_overflow(page, "landing")
    shot(page, "public-1-landing")
    page.get_by_role("link", name="我要投诉", exact=True).first.click()

    page.get_by_label("问题类别").select_option("noise")
    page.get_by_label("问题描述").fill("幸福路工地每晚十一点后还在打桩，噪声很大，影响休息")
    page.get_by_label("被投诉对象").select_option("construction")
    # htmx replaces the one-list picker with town → work area → village.
    htmx_ready(page.get_by_label("乡镇（街道）")).select_option("T01")
    expect(page.locator("#grid-area option[value='T01-A01']")).to_have_count(1)
    page.get_by_label("网格（片区）").select_option("T01-A01")
    expect(page.locator("#grid-village option[value='T01-A01-V01']")).to_have_count(1)
    page.get_by_label("村（社区）").select_option("T01-A01-V01")
    page.get_by_label("详细地址或附近标志物").fill("城关镇幸福路 8 号旁工地")
    page.get_by_text("位置坐标（可选）").click()
    page.get_by_label("纬度").fill("26.08")
    page.get_by_label("经度").fill("119.30")
    page.get_by_label("拍照或选择照片（可多选，可不传）").set_input_files(_photo(tmp_path / "工地.jpg"))
    page.get_by_label("姓名", exact=True).fill("李四")
    page.get_by_label("手机号码").fill("13900001111")
    no_horizontal_overflow(page, "form")
    shot(page, "public-2-form")
    page.get_by_role("button", name="提交投诉").click()

    code_box = page.locator("#tracking-code")
    expect(code_box).to_have_text(re.compile(r"^[0-9A-Z]{10}$"))
    code = code_box.inner_text()
    no_horizontal_overflow(page, "submitted")
    shot(page, "public-3-code")

    with env.db.read() as s:
        case = s.scalars(select(Case).where(Case.tracking_code == code)).one()
        photo = s.scalars(select(Attachment).where(Attachment.case_id == case.id)).one()
    assert (case.channel, case.grid_path, case.latitude, photo.content_type) == \
        ("public", "/C/T01/T01-A01/T01-A01-V01/", 26.08, "image/jpeg")

    # Later, on another visit: type the code (lower case, as people do) to track it.
    page.goto("/public/track")
    page.get_by_label("查询码").fill(code.lower())
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#public-status")).to_have_text("已提交，待受理")
    expect(page.get_by_text("您的投诉已提交")).to_be_visible()
    expect(page.locator("ul.public-files img")).to_have_count(1)
    assert page.evaluate("document.querySelector('ul.public-files img').naturalWidth") == 320
    no_horizontal_overflow(page, "track")
    shot(page, "public-4-track")

    env.accept_and_assign(case, "enforcement")
    env.complete(case, "handle", {"outcome": "done", "findings": "夜间施工属实"}, actor="handler2")
    env.complete(case, "feedback", {"reply": "已责令该工地夜间 22 时后停止打桩作业，并立案处罚。",
                                    "contact_method": "phone"}, actor="handler2")
    env.complete(case, "review", {"approved": True}, actor="lead2")

    page.reload()
    expect(page.locator("#public-status")).to_have_text("已答复，请评价")
    expect(page.get_by_text("已交办：生态环境保护综合行政执法大队")).to_be_visible()
    expect(page.get_by_text("已责令该工地夜间 22 时后停止打桩作业，并立案处罚。")).to_be_visible()
    page.get_by_label("基本满意").check()
    page.get_by_label("意见（选择“不满意”时必填）").fill("处理及时，希望持续监督")
    no_horizontal_overflow(page, "rate")
    shot(page, "public-5-rate")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_text("感谢您的评价。")).to_be_visible()
    expect(page.locator("#public-status")).to_have_text("已办结")
    expect(page.get_by_text("您的评价：基本满意")).to_be_visible()
    shot(page, "public-6-rated")
    assert env.case(case).satisfaction == "basically_satisfied"
