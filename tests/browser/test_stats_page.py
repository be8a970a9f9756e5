"""The statistics page in Chromium on a desktop and on a phone (390×844): the ECharts charts are
drawn (a canvas with a size), the page does not scroll sideways on the phone, a number opens the
case list behind it, the keyboard reaches the choices and the numbers, a name written like markup
stays text, and no script error or Content-Security-Policy violation happens (the autouse
fixture in tests/browser/conftest.py fails the test on any violation)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from engine.models import Grid
from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.web.stats.cases import add_stats_cases


@pytest.fixture
def stats_cases(env) -> dict[str, int]:
    return add_stats_cases(env)


CHARTS = ("chart-breakdown", "chart-trend", "chart-ranking-town", "chart-ranking-department")


@pytest.fixture
def problems():
    """Script errors, console errors and dialogs (an alert would be markup run as code) of the pages
    a test opens."""
    found: list[str] = []

    def watch(page: Page) -> Page:
        page.on("pageerror", lambda error: found.append(f"script error: {error}"))
        page.on("console", lambda message: found.append(f"console: {message.text}")
                if message.type == "error" else None)
        page.on("dialog", lambda dialog: (found.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        return page

    watch.found = found
    return watch


def charts_drawn(page: Page) -> None:
    for chart in CHARTS:
        expect(page.locator(f"#{chart}")).to_have_attribute("data-drawn", "true")
        box = page.locator(f"#{chart} canvas").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100, f"{chart}: {box}"


def test_stats_on_a_desktop(sqlite_only, sign_in, stats_cases, env, problems, shot):
    with env.db.write() as s:
        s.execute(update(Grid).where(Grid.code == "T02").values(name="<script>alert(1)</script>东城"))
    page = problems(sign_in("supervisor"))
    page.get_by_role("link", name="统计分析").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("统计分析")
    charts_drawn(page)
    expect(page.locator("#breakdown tbody th").filter(has_text="<script>alert(1)</script>东城")).to_have_count(1)
    # The tooltip (HTML that ECharts writes) over 东城街道's bars shows its name as text, and opens
    # without breaking the CSP.
    page.locator("#chart-breakdown").scroll_into_view_if_needed()
    box = page.locator("#chart-breakdown").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.70, box["y"] + box["height"] * 0.6)
    page.mouse.move(box["x"] + box["width"] * 0.72, box["y"] + box["height"] * 0.6)
    tip = page.locator("#chart-breakdown .chart-tooltip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("<script>alert(1)</script>东城")
    expect(tip).to_contain_text("受理总量：2")
    shot(page, "stats-desktop")

    # The year, grouped by department, through the form.
    page.get_by_label("统计区间").select_option("year")
    page.get_by_label("分组").select_option("department")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#period-line")).to_contain_text("2026-01-01 – 2026-12-31")
    charts_drawn(page)

    # A number opens its case list: 城关镇's 办结件 of March are the two closed cases.
    page.goto("/stats?by=town")
    page.locator('#breakdown tr[data-key="T01"] td[data-measure="closed"] a.value').click()
    expect(page).to_have_url(re.compile(r"/cases\?.*measure=closed"))
    expect(page.locator("main table tbody tr")).to_have_count(2)

    # A custom range that ends before it starts: a clear error, next to the field.
    page.goto("/stats")
    page.get_by_label("开始日期").fill("2026-03-31")
    page.get_by_label("结束日期").fill("2026-03-01")
    expect(page.get_by_label("统计区间")).to_have_value("custom")  # editing a date makes it custom
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text("结束日期早于开始日期")
    expect(page.get_by_label("结束日期")).to_have_attribute("aria-invalid", "true")
    # The browser logs the refused choice's 400 answer itself; nothing else may be logged.
    refused = [p for p in problems.found if "status of 400" in p]
    assert len(refused) == 1 and [p for p in problems.found if p not in refused] == [], problems.found


def test_stats_on_a_phone_with_the_keyboard(sqlite_only, sign_in, stats_cases, problems, shot):
    page = problems(sign_in("lead", **PHONE))
    page.goto("/stats")
    charts_drawn(page)
    no_horizontal_overflow(page, "stats")
    for chart in CHARTS:
        box = page.locator(f"#{chart}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"], chart
    shot(page, "stats-phone")

    # The keyboard: Tab to the 本年 preset and press Enter; then Tab on to a number and open it.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "本年":
            break
    else:
        raise AssertionError("Tab never reached the 本年 preset")
    page.keyboard.press("Enter")
    expect(page.locator("#period-line")).to_contain_text("2026-01-01 – 2026-12-31")
    charts_drawn(page)
    no_horizontal_overflow(page, "stats, this year")
    page.locator("#measure-closed a.value").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/cases\?.*measure=closed"))
    expect(page.locator("main table tbody tr")).to_have_count(3)  # a1, a2 and f1 (February); not a3
    no_horizontal_overflow(page, "case list behind a number")
    assert problems.found == []
