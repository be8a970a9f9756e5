"""An administrator creates a grid officer and imports part of the grid in a real browser; the pages
also work on a phone and by keyboard."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from engine.models import Grid, User
from tests.browser.conftest import no_horizontal_overflow

CSV = "层级,编码,名称,上级编码,网格员\n乡镇,T15,新城街道,C,\n网格,T15-A01,新城街道第1网格,T15,officer9\n" \
      "村,T15-A01-V01,幸福社区,T15-A01,\n村,T15-A01-V02,,T15-A01,\n"


@pytest.fixture
def admin_page(sqlite_only, sign_in):
    page = sign_in("admin")
    expect(page.get_by_text("系统管理员")).to_be_visible()
    return page


def test_create_an_officer_then_import_a_town(admin_page, env, shot):
    page = admin_page
    page.goto("/admin")
    page.get_by_role("link", name="人员与网格").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("人员与网格")
    page.get_by_role("link", name="新建账号").click()

    # A first try without a tier: the error is next to the field, the input stays.
    page.get_by_label("用户名").fill("officer9")
    page.get_by_label("姓名").fill("新城网格员 孙九")
    page.get_by_role("checkbox", name="承办人").check()
    page.get_by_label("所属网格").select_option("T02-A01")
    page.get_by_role("button", name="创建账号").click()
    expect(page.get_by_text("派驻到乡镇、网格或村的承办人即网格员，层级须为 1")).to_be_visible()
    expect(page.get_by_label("督办层级")).to_have_attribute("aria-invalid", "true")
    shot(page, "admin_people_user_errors")
    page.get_by_label("督办层级").select_option("1")
    page.get_by_role("button", name="创建账号").click()
    secret = page.locator("#new-secret")
    expect(secret).to_be_visible()
    password = secret.inner_text().strip()
    assert len(password) >= 10
    shot(page, "admin_people_password_once")
    page.get_by_role("link", name="我已记下，返回账号").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("officer9")

    # The import: preview with one error, fix the file, preview again, apply.
    page.get_by_role("link", name="导入网格").first.click()
    page.get_by_label("CSV 文件", exact=True).set_input_files(
        files=[{"name": "网格.csv", "mimeType": "text/csv", "buffer": CSV.encode("gbk")}])
    page.get_by_role("button", name="预览").click()
    expect(page.get_by_role("row").filter(has_text="T15-A01-V02")).to_contain_text("名称：请填写此项")
    expect(page.locator("#apply")).to_have_count(0)
    shot(page, "admin_people_import_errors")
    page.get_by_role("link", name="上传其他文件").click()
    page.get_by_label("CSV 文件", exact=True).set_input_files(
        files=[{"name": "网格.csv", "mimeType": "text/csv", "buffer": CSV.replace(",,T15-A01,", ",平安村,T15-A01,")
                .encode("gbk")}])
    page.get_by_role("button", name="预览").click()
    expect(page.get_by_role("status").filter(has_text="新增")).to_contain_text("4")
    expect(page.get_by_role("row").filter(has_text="T15-A01,")).to_have_count(0)
    expect(page.get_by_text("派驻网格员 新城网格员 孙九（officer9）")).to_be_visible()
    shot(page, "admin_people_import_preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("导入完成：新增 4 个")).to_be_visible()
    town = page.locator("summary").filter(has=page.get_by_role("link", name="新城街道", exact=True))
    town.click(position={"x": 4, "y": 8})  # the disclosure triangle, not the link to the node's page
    expect(page.get_by_text("网格员：新城网格员 孙九")).to_be_visible()
    shot(page, "admin_people_grid_tree")
    with env.db.read() as s:
        officer = s.scalars(select(User).where(User.username == "officer9")).one()
        area = s.scalars(select(Grid).where(Grid.code == "T15-A01")).one()
        assert (officer.grid_id, officer.tier, area.path) == (area.id, 1, "/C/T15/T15-A01/")


def test_phone_and_keyboard(admin_page, shot):
    page = admin_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/admin/people")
    expect(page.get_by_role("link", name="gridofficer")).to_be_visible()
    no_horizontal_overflow(page, "people list")
    shot(page, "admin_people_list_phone")
    page.goto("/admin/people/grid")
    summary = page.locator("summary").filter(has_text="城关镇").first
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=re.compile("城关镇第1网格"))).to_be_visible()
    no_horizontal_overflow(page, "grid tree")
    shot(page, "admin_people_grid_phone")
    page.get_by_role("link", name="城关镇", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("城关镇")
    expect(page.get_by_role("link", name="城关镇网格员 陈静")).to_be_visible()
    no_horizontal_overflow(page, "town")
    shot(page, "admin_people_node_phone")
    page.goto("/admin/people/departments")
    no_horizontal_overflow(page, "departments")
    shot(page, "admin_people_departments_phone")
