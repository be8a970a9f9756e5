"""The app works under its Content-Security-Policy (webapp/security_headers.py): the inbox with its
htmx search, a task page, the diagram and decision-table editors (bpmn-js, dmn-js) and the public
portal are used in Chromium. Any violation fails the test (tests/browser/conftest.py watches every
browser context of every browser test), and so does an error thrown by a page's scripts."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import htmx_ready

WIDE = {"viewport": {"width": 1400, "height": 950}}


@pytest.fixture(autouse=True)
def _own_data_dir(monkeypatch, tmp_path):
    # The live server's uploads go to this test's folder, not the repository's instance/.
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path / "data"))


def script_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_staff_pages_and_editors_work_under_the_csp(sqlite_only, sign_in, env, csp_violations):
    case = env.register(title="CSP 检查用案件")

    page = sign_in("intake", **WIDE)
    errors = script_errors(page)
    page.goto("/inbox")
    page.get_by_label("搜索").first.fill("CSP")  # htmx swaps the results in
    row = page.get_by_role("row").filter(has_text=case.number)
    expect(row).to_have_count(1)
    row.get_by_role("link", name="办理", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.number)
    page.goto(f"/cases/{case.id}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto("/intake/new")
    htmx_ready(page.get_by_label("乡镇（街道）")).select_option("T01")  # the htmx place picker
    expect(page.locator("#grid-area option[value='T01-A01']")).to_have_count(1)
    page.goto("/no-such-page")
    expect(page.get_by_role("button", name="返回")).to_be_visible()

    admin = sign_in("admin", timeout_ms=15_000, **WIDE)
    errors += script_errors(admin)
    admin.goto("/admin/diagrams/complaint/edit")
    expect(admin.locator("#editor-shell")).to_have_attribute("data-ready", "true")
    admin.locator("#canvas .djs-container > svg").first.focus()
    admin.keyboard.press("Control+f")
    admin.keyboard.type("handle")
    admin.keyboard.press("Enter")
    expect(admin.locator("#props")).to_contain_text("handle")
    admin.locator('#canvas g.djs-element[data-element-id="handle"]').dblclick()  # label editing
    expect(admin.locator(".djs-direct-editing-parent")).to_be_visible()
    admin.keyboard.press("Escape")
    admin.get_by_role("button", name="检查").click()
    expect(admin.locator("#problems")).to_contain_text("检查通过")

    admin.goto("/admin/decisions")
    expect(admin.locator("#editor-shell")).to_have_attribute("data-ready", "true")
    admin.locator('#canvas td[data-element-id="rule_02_out2"]').click()
    admin.get_by_role("button", name="检查").click()
    expect(admin.locator("#problems")).to_contain_text("检查通过")
    admin.goto("/admin/calendar")
    admin.goto("/admin/people/departments")
    assert csp_violations == [] and errors == []


def test_public_portal_works_under_the_csp(sqlite_only, phone_page, csp_violations):
    page = phone_page
    errors = script_errors(page)
    page.goto("/public/")
    page.get_by_role("link", name="我要投诉", exact=True).first.click()
    page.get_by_label("问题类别").select_option("noise")
    page.get_by_label("问题描述").fill("幸福路工地每晚十一点后还在打桩，噪声很大")
    # htmx replaces the one-list picker with town → work area → village.
    htmx_ready(page.get_by_label("乡镇（街道）")).select_option("T01")
    expect(page.locator("#grid-area option[value='T01-A01']")).to_have_count(1)
    page.get_by_label("网格（片区）").select_option("T01-A01")
    page.get_by_text("位置坐标（可选）").click()
    page.get_by_label("匿名投诉").check()
    page.get_by_role("button", name="提交投诉").click()
    expect(page.locator("#tracking-code")).to_be_visible()
    page.get_by_role("link", name="查看办理进度").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto("/public/no-such-page")
    assert csp_violations == [] and errors == []
