"""The reports on a phone: a leader finds and reads the list; an administrator sets the schedule by
keyboard, sees what is wrong next to the field and saves it."""
from __future__ import annotations

from playwright.sync_api import expect

from engine.reports import schedule as report_schedule
from engine.reports.issue import issue_due
from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.engine.reports.conftest import week  # noqa: F401 — a week of cases, reports due


def test_a_leader_reads_the_reports_on_a_phone(sqlite_only, sign_in, env, week, shot):  # noqa: F811
    issue_due(env.runtime)
    page = sign_in("leader", **PHONE)
    page.get_by_role("link", name="统计报告").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("统计报告")
    expect(page.get_by_text("环督周报〔2026〕第1号")).to_be_visible()
    expect(page.get_by_role("link", name="下载 PDF")).to_have_count(2)
    no_horizontal_overflow(page, "reports")
    shot(page, "reports_phone")


def _type_day(page, day: str) -> None:
    """Replace the monthly day with the keyboard alone and send the form with Enter."""
    page.get_by_label("每月几日（1–28）").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(day)
    page.keyboard.press("Enter")


def test_an_administrator_sets_the_schedule_by_keyboard(sqlite_only, sign_in, env, shot):
    page = sign_in("admin", **PHONE)
    page.goto("/admin/reports")
    no_horizontal_overflow(page, "report schedule")
    _type_day(page, "31")
    expect(page.get_by_role("alert")).to_contain_text("1–28")
    expect(page.get_by_label("每月几日（1–28）")).to_have_attribute("aria-invalid", "true")
    shot(page, "report_schedule_error")
    _type_day(page, "5")
    expect(page.get_by_text("统计报告计划已保存")).to_be_visible()
    with env.db.read() as s:
        assert report_schedule.load(s).monthly.day == 5
