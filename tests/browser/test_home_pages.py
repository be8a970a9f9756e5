"""A town supervisor on a phone lands on their dashboard, and a clerk chooses the daily digest with
the keyboard only."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.browser.test_phone_and_keyboard import tab_to


@pytest.fixture
def red_case(sqlite_only, env):
    case = env.register(title="城关镇化工厂夜间排放刺鼻异味，排污许可证号91350100MA2YQXXXXX001P")
    env.complete(case, "receive", {"decision": "accept"})
    env.at("2026-03-03T16:00:01+00:00")  # the assignment is overdue: red, raised to the town
    return case


def test_town_supervisor_lands_on_the_dashboard_on_a_phone(sqlite_only, red_case, sign_in, shot):
    page: Page = sign_in("town", **PHONE)
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    expect(page.locator("#red-cases").get_by_role("link", name=red_case.number)).to_be_visible()
    expect(page.locator('#measures tr[data-measure="overdue"]')).to_contain_text("1")
    no_horizontal_overflow(page, "dashboard")
    shot(page, "phone-dashboard")
    page.locator("#red-cases").get_by_role("link", name=red_case.number).click()
    expect(page).to_have_url(re.compile(rf"/board/cases/{red_case.id}$"))
    no_horizontal_overflow(page, "the red case")


def test_choosing_the_daily_digest_with_the_keyboard(sqlite_only, env, sign_in):
    env.register()
    page: Page = sign_in("intake")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    page.goto("/notifications")
    expect(page.get_by_text("新任务：受理")).to_be_visible()
    page.get_by_role("link", name="通知设置").click()
    expect(page.get_by_role("radio", name="即时发送")).to_be_checked()
    at = tab_to(page, lambda el: el["name"] == "email_frequency", "the frequency radios")
    assert at["outline"] != "none", "the focused control shows where the focus is"
    page.keyboard.press("ArrowDown")  # the next choice in the group: the daily digest
    expect(page.get_by_role("radio", name="每日汇总一封")).to_be_checked()
    tab_to(page, lambda el: el["tag"] == "button" and el["text"] == "保存", "the save button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="已保存通知设置")).to_be_visible()
    expect(page.get_by_role("radio", name="每日汇总一封")).to_be_checked()
