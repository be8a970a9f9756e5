"""A grid officer on a phone (390×844), and the sign-in and task forms worked with the keyboard only."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import no_horizontal_overflow
from tests.conftest import TEST_PASSWORD

# A licence number is one unbroken run of Latin letters and digits: it must wrap, not widen the page.
LONG_TITLE = "排污许可证号91350100MA2YQXXXXX001P企业夜间超标排放"
MAX_TABS = 80



@pytest.fixture
def officer_cases(sqlite_only, env):
    mine = env.register(title=LONG_TITLE, subject_enterprise="示范县宏达化工有限公司（统一社会信用代码91350100MA2YQXXXXX）",
                        address="城关镇工业园区纬三路与经五路交叉口东北角 200 米")
    env.accept_and_assign(mine, "enforcement")
    town = env.register(title="城关镇农贸市场旁餐馆油烟直排", category="air", grid_code="T01-A02-V01")
    env.accept_and_assign(town, "air")  # the officer sees it because it is in their town
    other = env.register(title="东城街道石料厂粉尘", grid_code="T02-A01-V01")
    env.accept_and_assign(other, "enforcement")
    return {"mine": mine, "town": town, "other": other}


def focused(page: Page) -> dict:
    return page.evaluate("""() => { const el = document.activeElement;
        return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
                type: el.getAttribute('type') || '', text: (el.innerText || '').trim(),
                outline: getComputedStyle(el).outlineStyle}; }""")


def tab_to(page: Page, wanted, what: str) -> dict:
    """Press Tab until the focused element matches; fail if it is never reached."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if wanted(now):
            return now
    raise AssertionError(f"Tab never reached {what}")


def test_grid_officer_on_a_phone_with_the_keyboard_only(sqlite_only, phone_page: Page, officer_cases, env,
                                                        shot):
    page = phone_page
    # Sign in: the user name field has the focus; type, Tab, type, Enter.
    page.goto("/login")
    no_horizontal_overflow(page, "login")
    assert focused(page)["id"] == "username"
    page.keyboard.type("gridofficer")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_text("城关镇网格员 陈静")).to_be_visible()

    page.get_by_role("link", name="我的待办").click()
    rows = page.get_by_role("row")
    expect(rows.filter(has_text=officer_cases["mine"].number)).to_have_count(1)
    expect(rows.filter(has_text=officer_cases["town"].number)).to_have_count(1)  # in their town
    expect(rows.filter(has_text=officer_cases["other"].number)).to_have_count(1)  # their department
    no_horizontal_overflow(page, "inbox")
    shot(page, "phone-inbox")

    rows.filter(has_text=officer_cases["mine"].number).get_by_role("link", name="办理", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("办理")
    expect(page.get_by_text(LONG_TITLE)).to_be_visible()
    no_horizontal_overflow(page, "task page")
    shot(page, "phone-task")

    # The form with the keyboard: Tab to the first outcome, Space picks it, Tab on to the
    # findings, type, Tab to 提交 and press Enter.
    at = tab_to(page, lambda el: el["name"] == "outcome", "the outcome radios")
    assert at["outline"] != "none", "the focused control shows where the focus is"
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name="办理完毕")).to_be_checked()
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "findings"
    page.keyboard.type("现场核查：企业已停产整改。")
    at = tab_to(page, lambda el: el["tag"] == "button" and el["text"] == "提交", "the submit button")
    assert at["outline"] != "none"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="已办理")).to_be_visible()
    no_horizontal_overflow(page, "inbox after submitting")
    task = env.task(officer_cases["mine"], "feedback")  # handling is recorded; the reply is next
    assert task.state == "ready"
    assert env.audit(officer_cases["mine"], "task_completed")[-1].actor == "gridofficer"

    page.goto(f"/cases/{officer_cases['mine'].id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(LONG_TITLE)
    no_horizontal_overflow(page, "case page")
    shot(page, "phone-case")
    for url in ("/cases", "/notifications"):
        page.goto(url)
        no_horizontal_overflow(page, url)
