"""An administrator edits a form watching the live preview, saves it, and marks a holiday by keyboard."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from engine.definitions.form_store import form_history
from engine.models.audit import CalendarDay
from tests.browser.conftest import PHONE, no_horizontal_overflow


def test_form_editor_live_preview_and_save(sqlite_only, sign_in, env, shot):
    page = sign_in()
    page.goto("/admin/forms")
    page.get_by_role("link", name="编辑").nth(
        [r.inner_text() for r in page.locator("table.forms-list tbody tr td:nth-child(2)").all()].index("review")
    ).click()
    expect(page.locator("#preview")).to_contain_text("意见说明")

    # Typing a label changes the preview without saving anything.
    label = page.locator("#f-1-label_zh")
    label.fill("不同意的具体理由")
    expect(page.locator("#preview label[for='f-comment']")).to_contain_text("不同意的具体理由")
    page.locator("#f-0-choices").fill("true | 同意办结 | Approve\nfalse | 退回重办 | Reject")
    expect(page.locator("#preview [data-field='approved']")).to_contain_text("退回重办")
    with env.db.read() as s:
        assert form_history(s, "review") == []
    shot(page, "admin-form-editor-preview")

    # A broken row stops the preview with a message, then recovers.
    page.locator("#f-1-label_en").fill("")
    expect(page.locator("#preview")).to_contain_text("无法预览")
    page.locator("#f-1-label_en").fill("Reasons")
    expect(page.locator("#preview label[for='f-comment']")).to_contain_text("不同意的具体理由")

    page.get_by_label("修改说明").fill("标签更清楚")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.locator(".flash")).to_contain_text("已保存为第 1 版")
    expect(page.locator("#f-1-label_zh")).to_have_value("不同意的具体理由")
    with env.db.read() as s:
        [v1] = form_history(s, "review")
    assert v1.comment == "标签更清楚"
    assert v1.definition["ui"]["fields"]["approved"]["choices"]["false"]["zh_CN"] == "退回重办"

    # Removing a choice the diagram tests is refused, naming the gateway; the edit stays on screen.
    page.goto("/admin/forms/receive")
    kept = "accept | 受理 | Accept\nreject | 不予受理 | Reject"
    page.locator("#f-0-choices").fill(kept)
    expect(page.locator("#preview [data-field='decision']")).not_to_contain_text("重复件")
    page.get_by_role("button", name="保存为新版本").click()
    expect(page.locator("#save-problems")).to_contain_text("gw_receive")
    expect(page.locator("#save-problems")).to_contain_text('"duplicate"')
    expect(page.locator("#f-0-choices")).to_have_value(kept)
    shot(page, "admin-form-editor-refused")
    with env.db.read() as s:
        assert form_history(s, "receive") == []
    page.context.close()


def test_mark_a_holiday_by_keyboard(sqlite_only, sign_in, env, shot):
    case = env.register()
    env.accept_and_assign(case)
    due = env.case(case).stage_due
    page = sign_in()
    page.goto("/admin/calendar?year=2026")
    day = page.locator("#d-2026-04-15")
    expect(day).to_have_attribute("data-kind", "workday")
    day.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("办理中案件的期限正在分批重新计算")
    # The page follows the job (a background thread) until it is done.
    expect(page.locator("#calendar-job")).to_contain_text("1 个办理中案件的期限已重新计算", timeout=15_000)
    expect(page.locator("#d-2026-04-15")).to_have_attribute("data-kind", "holiday")
    with env.db.read() as s:
        assert s.get(CalendarDay, date(2026, 4, 15)).is_workday is False
    assert env.case(case).stage_due > due
    page.locator("#m-4").scroll_into_view_if_needed()
    shot(page, "admin-calendar-holiday")
    page.context.close()


def test_editor_and_calendar_fit_a_phone(sqlite_only, sign_in, env, shot):
    page = sign_in(**PHONE)
    page.goto("/admin/forms/handle")
    expect(page.locator("#preview")).to_contain_text("办理结果")
    no_horizontal_overflow(page, "form editor")
    shot(page, "admin-form-editor-phone")
    page.goto("/admin/calendar?year=2026")
    no_horizontal_overflow(page, "calendar")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "admin-calendar-phone")
    page.context.close()


def test_new_form_by_keyboard_on_a_phone(sqlite_only, sign_in, live_server, env, shot):
    page = sign_in(**PHONE)
    page.goto("/admin/forms")
    page.get_by_role("link", name="新建表单").click()
    name = page.get_by_label("表单名")
    name.focus()
    page.keyboard.type("Site Check")
    page.keyboard.press("Tab")  # the help text is no stop; the Chinese title is next
    page.keyboard.type("现场核查")
    page.keyboard.press("Enter")
    # Refused beside the fields, typed text kept, the first wrong field focused.
    expect(page.locator("#e-name")).to_contain_text("表单名须以小写字母开头")
    expect(page.locator("#e-title_en")).to_contain_text("请填写标题")
    expect(page.get_by_label("表单名")).to_be_focused()
    expect(page.get_by_label("表单标题（中文）")).to_have_value("现场核查")
    no_horizontal_overflow(page, "new form refused")
    shot(page, "admin-new-form-refused-phone")

    page.keyboard.press("Control+A")
    page.keyboard.type("site_check")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_label("表单标题（英文）")).to_be_focused()
    page.keyboard.type("Site check")
    page.keyboard.press("Tab")
    source = page.get_by_label("从何开始")
    expect(source).to_be_focused()
    source.select_option("review")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="新建并编辑")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/admin/forms/site_check")
    expect(page.locator("#f-0-name")).to_have_value("approved")
    no_horizontal_overflow(page, "new form editor")
    shot(page, "admin-new-form-editor-phone")
    with env.db.read() as s:
        assert [v.version for v in form_history(s, "site_check")] == [1]
