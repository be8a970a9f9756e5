"""A bureau leader on a phone (390×844) records a progress check (调度) on a case they own, with the
keyboard for the form, and sees it in their list with the next check date."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.engine.leadership.conftest import own


@pytest.fixture
def owned(sqlite_only, env):
    case = env.register(title="化工园区夜间异味扰民")
    env.accept_and_assign(case)
    own(env, case)
    return env.case(case)


def test_a_leader_records_a_progress_check_on_a_phone(sqlite_only, sign_in, owned, shot):
    page: Page = sign_in("leader", **PHONE)
    page.goto("/")
    page.get_by_role("link", name="我包的案件").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我包的案件")
    no_horizontal_overflow(page, "leader's list")
    page.get_by_role("link", name=owned.number).click()
    expect(page.get_by_role("heading", name="记录调度")).to_be_visible()
    no_horizontal_overflow(page, "leader's case page")

    # An empty decision is refused next to its field, with the focus order intact.
    page.get_by_role("button", name="保存调度").click()
    expect(page.locator("#check-decisions-error")).to_have_text("此项必填")

    decisions = page.get_by_label("调度情况及决定事项")
    decisions.focus()
    page.keyboard.type("要求三日内完成夜间监测并报告")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "check-next_check"
    page.get_by_label("下次调度日期（到期当天上午提醒您；不填则不再提醒）").fill("2026-03-09")
    # A date field takes several Tabs (year, month, day); the button comes next.
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "保存调度":
            break
    assert page.evaluate("document.activeElement.textContent") == "保存调度"
    page.keyboard.press("Enter")
    expect(page.get_by_text("已记录调度")).to_be_visible()
    expect(page.locator("#records")).to_contain_text("要求三日内完成夜间监测并报告")
    expect(page.locator("#next-check")).to_contain_text("2026-03-09")
    no_horizontal_overflow(page, "leader's case page after a check")
    shot(page, "phone-leader-check")

    page.get_by_role("link", name="我包的案件").first.click()
    expect(page.get_by_role("row").filter(has_text=owned.number)).to_contain_text("2026-03-09")
