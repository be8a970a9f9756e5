"""An administrator edits the complaint diagram in the browser (bpmn-js) and deploys version 2.

The handling deadline goes from 60 to 30 working days and the review task shows another form.
A case started before keeps its 60 days; a case started after gets 30. On the way a broken
property is refused with the element named and highlighted; the history lists the changes.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from playwright.sync_api import Page, expect

from engine.definitions.deploy import deploy, shipped_files
from engine.definitions.versions import diff
from engine.models import ProcessDefinition
from engine.models.diagram_drafts import DiagramDraft
from tests.browser.conftest import PHONE, no_horizontal_overflow

# The editor with its side panel wants a wide screen.
WIDE = {"viewport": {"width": 1400, "height": 950}}

OLD_DUE = datetime(2026, 5, 28, 16, 0, tzinfo=timezone.utc)  # 60 working days after Mon 2 March
NEW_DUE = datetime(2026, 4, 14, 16, 0, tzinfo=timezone.utc)  # 30 working days




def open_editor(page: Page, shot) -> None:
    page.get_by_role("link", name="系统管理").click()
    shot(page, "admin-index")
    page.get_by_role("link", name="流程图").first.click()
    shot(page, "diagrams-index")
    page.locator("a[href=\"/admin/diagrams/complaint/edit\"]").click()
    expect(page.locator("#editor-shell")).to_have_attribute("data-ready", "true")


def select_element(page: Page, element_id: str) -> None:
    """Find an element with bpmn-js's own search (Ctrl+F on the canvas), as a keyboard user would."""
    page.locator("#canvas .djs-container > svg").first.focus()
    page.keyboard.press("Control+f")
    page.keyboard.type(element_id)
    expect(page.locator(".djs-search-container input")).to_have_value(element_id)
    page.keyboard.press("Enter")
    expect(page.locator("#props")).to_contain_text(element_id)


def test_admin_changes_a_deadline_and_a_form_and_deploys_version_2(sqlite_only, sign_in,
                                                                    env, shot):
    old_case = env.register(title="改版前的案件")
    env.accept_and_assign(old_case)
    assert env.case(old_case).stage_due == OLD_DUE

    page = sign_in(timeout_ms=15_000, **WIDE)
    open_editor(page, shot)
    expect(page.locator("#editor-status")).to_contain_text("第 1 版")
    # The shipped diagram survives a load-and-save through bpmn-js unchanged (SpiffWorkflow
    # extension elements and the multi-instance loop variables included).
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("#editor-status")).to_contain_text("草稿已保存（第 1 稿）")
    expect(page.locator("#problems")).to_contain_text("检查通过")
    with env.db.read() as s:
        draft = s.query(DiagramDraft).one()
        assert diff(shipped_files(), (draft.bpmn_files, draft.dmn_files)) == []

    # A mistyped property is flagged, the element is highlighted and named.
    select_element(page, "handle")
    page.locator("#props").get_by_placeholder("属性名").fill("from")
    page.locator("#props").get_by_placeholder("值").fill("handle")
    page.locator("#props").get_by_role("button", name="添加").click()
    expect(page.locator("#props")).to_contain_text("无法识别的属性")
    page.get_by_role("button", name="检查").click()
    problem = page.locator("#problems button.problem").filter(has_text="办理 (handle)")
    expect(problem).to_contain_text("from")
    expect(page.locator('g.djs-element.gl-problem[data-element-id="handle"]')).to_have_count(1)
    shot(page, "diagram-editor-validation")
    page.locator("#props").get_by_role("button", name="删除").click()
    expect(page.locator("#props")).not_to_contain_text("无法识别的属性")

    # The handling deadline: 30 working days instead of 60, through the helper fields.
    select_element(page, "stage_handle_deadline")
    expect(page.locator("#props")).to_contain_text("deadline")
    days = page.locator("#props").get_by_label("工作日数")
    expect(days).to_have_value("60 + extended_days")
    days.fill("30 + extended_days")
    days.press("Tab")
    expect(page.locator("#props").get_by_label("表达式")).to_have_value("deadline(handle_from, 30 + extended_days, 48)")
    shot(page, "diagram-editor-timer")
    select_element(page, "stage_handle_warning")
    warn_days = page.locator("#props").get_by_label("工作日数")
    warn_days.fill("30 + extended_days")
    warn_days.press("Tab")

    # The review task shows the extension-approval form (same fields: approved, comment).
    select_element(page, "review")
    page.locator("#props").get_by_label("form").select_option("approve_extension")
    expect(page.locator("#props").get_by_label("form")).to_have_value("approve_extension")
    shot(page, "diagram-editor")

    # Deploying without a comment is stopped at the comment field.
    page.get_by_role("button", name="发布为新版本").click()
    expect(page.locator("#editor-status")).to_contain_text("请填写版本说明")
    page.get_by_label("版本说明").fill("办理时限改为30个工作日；审核改用延期审批表单")
    page.get_by_role("button", name="发布为新版本").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("版本历史")
    expect(page.get_by_role("status").filter(has_text="已发布第 2 版")).to_be_visible()
    latest = page.locator("#v2")
    expect(latest).to_contain_text("办理时限改为30个工作日")
    expect(latest).to_contain_text("stage_handle_deadline")
    expect(latest).to_contain_text("deadline(handle_from, 30 + extended_days, 48)")
    expect(latest).to_contain_text("approve_extension")
    shot(page, "diagram-versions")

    # New cases run on version 2; the case started before stays on version 1.
    new_case = env.register(title="改版后的案件")
    env.accept_and_assign(new_case)
    assert env.case(new_case).stage_due == NEW_DUE
    assert env.task(new_case, "handle").due_at == NEW_DUE
    assert env.case(old_case).stage_due == OLD_DUE
    assert env.task(old_case, "handle").due_at == OLD_DUE
    for case, form in ((old_case, "review"), (new_case, "approve_extension")):
        env.complete(case, "handle", {"outcome": "done", "findings": "ok"})
        env.complete(case, "feedback", {"reply": "ok", "contact_method": "phone"})
        assert env.task(case, "review").form == form
        env.complete(case, "review", {"approved": True})
    with env.db.read() as s:
        versions = [s.get(ProcessDefinition, env.instance(c).definition_id).version for c in (old_case, new_case)]
    assert versions == [1, 2]


def test_the_panel_edits_what_a_task_page_shows_and_flags_an_unknown_step(sqlite_only, sign_in, env, shot):
    page = sign_in(timeout_ms=15_000, **WIDE)
    open_editor(page, shot)
    select_element(page, "handle")
    context = page.locator("#props").get_by_label("context")
    expect(context).to_have_value("assign, review if approved is False")
    context.fill("assign, reveiw if approved is False")
    context.press("Tab")
    page.get_by_role("button", name="检查").click()
    problem = page.locator("#problems button.problem").filter(has_text="办理 (handle)")
    expect(problem).to_contain_text("reveiw")
    expect(page.locator("#props")).to_contain_text("是否应为“review”")
    shot(page, "diagram-editor-context")
    select_element(page, "assign")
    expect(page.locator("#props").get_by_label("prefill")).to_have_value(re.compile(r"^department: route_department, "))


def test_phone_shows_history_and_a_message_instead_of_the_editor(sqlite_only, sign_in, env,
                                                                 shot):
    page = sign_in(timeout_ms=15_000, **PHONE)
    page.goto("/admin/diagrams/complaint/edit")
    expect(page.get_by_text("需要在电脑的大屏幕上编辑")).to_be_visible()
    expect(page.locator("#editor-shell")).to_be_hidden()
    page.get_by_role("link", name="版本历史").last.click()
    expect(page.locator("#v1")).to_contain_text("第 1 版")
    no_horizontal_overflow(page, "diagram versions")
    shot(page, "diagram-versions-phone")


def test_migration_dry_run_and_move_on_a_phone(sqlite_only, sign_in, env, shot):
    moving = env.register(title="办理中的案件")
    env.accept_and_assign(moving)
    stuck = env.register(title="反馈中的案件")
    env.accept_and_assign(stuck)
    env.complete(stuck, "handle", {"outcome": "done", "findings": "ok"})
    text = shipped_files()[0]["complaint.bpmn"]
    for old, new in [('id="feedback"', 'id="reply"'), ('targetRef="feedback"', 'targetRef="reply"'),
                     ('sourceRef="feedback"', 'sourceRef="reply"'), ('bpmnElement="feedback"', 'bpmnElement="reply"'),
                     ('value="handle, feedback"', 'value="handle, reply"'),
                     ('name="context" value="feedback"', 'name="context" value="reply"')]:
        text = text.replace(old, new, 1)
    with env.db.write() as s:
        deploy(s, env.runtime, {"complaint.bpmn": text}, shipped_files()[1], deployed_by="admin", comment="答复环节改名")

    page = sign_in(timeout_ms=15_000, **PHONE)
    page.goto("/admin/diagrams/complaint/versions")
    page.locator("#v1").get_by_role("link", name="迁移在办案件到新版本").click()
    page.get_by_role("button", name="检查（试运行，不做修改）").click()
    expect(page.locator(".summary")).to_contain_text("可迁移 1 件，不能迁移 1 件")
    expect(page.locator("tr.cannot")).to_contain_text("feedback")
    shot(page, "diagram-migrate-phone")
    no_horizontal_overflow(page, "migration dry run")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="迁移", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已迁移 1 件到第 2 版")).to_be_visible()
    with env.db.read() as s:
        versions = {c.id: s.get(ProcessDefinition, env.instance(c).definition_id).version for c in (moving, stuck)}
    assert versions == {moving.id: 2, stuck.id: 1}
    assert [e.detail["to_version"] for e in env.audit(moving, "instance_migrated")] == [2]


def test_decision_table_cell_edit_is_checked_and_deployed(sqlite_only, sign_in, env, shot):
    page = sign_in(timeout_ms=15_000, **WIDE)
    page.goto("/admin")
    page.get_by_role("link", name="分派规则（决策表）").click()
    expect(page.locator("#editor-shell")).to_have_attribute("data-ready", "true")
    cell = page.locator('#canvas td[data-element-id="rule_02_out2"]')
    expect(cell).to_contain_text('"police"')
    # A cell that is not a Python expression is refused, pointing at the cell.
    cell.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("urban management")  # a transfer agency, but not a Python expression
    page.get_by_role("button", name="检查").click()
    expect(page.locator("#problems")).to_contain_text("rule_02_out2")
    expect(cell).to_have_class(re.compile("gl-problem"))
    shot(page, "decision-table-validation")
    cell.click()
    page.keyboard.press("Control+a")
    page.keyboard.type('"urban_management')  # the cell editor closes the quote itself
    expect(cell).to_contain_text('"urban_management"')
    page.get_by_label("版本说明").fill("社会生活噪声改由城管受理")
    page.get_by_role("button", name="发布为新版本").click()
    expect(page.get_by_role("status").filter(has_text="已发布第 2 版")).to_be_visible()
    expect(page.locator("#v2")).to_contain_text('"urban_management"')
    with env.db.read() as s:
        v2 = s.query(ProcessDefinition).filter_by(version=2).one()
        assert '<text>"urban_management"</text>' in v2.dmn_files["routing.dmn"].replace("\n", "")
        assert v2.bpmn_files == shipped_files()[0]
