"""One complaint from the intake desk to closure, worked by four people in a real browser.

intake registers it and accepts and assigns it; handler (大气环境科 李强) handles it and replies;
lead sends it back once and then approves; intake records the follow-up. On the way a grid
officer submits a stale copy of a task the handler already completed and is told who did it.
Finally a supervisor looks at the four-colour board, with cases driven overdue by the clock.
"""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import htmx_ready

NUMBER = re.compile(r"环字〔\d{4}〕第\d+号")
NAMES = {"intake": "受理员 王芳", "handler": "大气科 李强", "gridofficer": "城关镇网格员 陈静",
         "lead": "大气科科长 刘伟", "supervisor": "督查科 吴刚"}



@pytest.fixture
def people(sqlite_only, sign_in, env):
    def open_page(username: str) -> Page:
        page = sign_in(username)
        expect(page.get_by_text(NAMES[username])).to_be_visible()
        return page

    return open_page


def background_cases(env) -> dict:
    """Cases in every colour for the board (and a fuller inbox): the clock runs from Monday
    2 March 10:00 to Wednesday night, past one case's assignment limit."""
    red = env.register(title="化工园区夜间刺鼻气味", grid_code="T01-A02-V01")
    env.complete(red, "receive", {"decision": "accept"})
    env.at("2026-03-04T03:00:00+00:00")
    yellow = env.register(title="养殖场污水直排河道", category="water", grid_code="T02-A01-V01")
    env.complete(yellow, "receive", {"decision": "accept"})  # one working day: yellow tonight
    env.at("2026-03-04T16:30:00+00:00")
    blue = env.register(title="夜间施工噪声扰民", category="noise")
    cases = {"red": red, "yellow": yellow, "blue": blue}
    assert {name: env.case(c).colour for name, c in cases.items()} == {"red": "red", "yellow": "yellow", "blue": "blue"}
    return cases


def open_task(page: Page, number: str, step: str) -> None:
    """From the inbox, the task of this case, by its row."""
    page.goto("/inbox")
    row = page.get_by_role("row").filter(has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(step)
    row.get_by_role("link", name="办理", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(step)
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)


def submit(page: Page) -> None:
    page.get_by_role("button", name="提交", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="已办理")).to_be_visible()


def handle_and_feed_back(page: Page, number: str, findings: str, reply: str) -> None:
    open_task(page, number, "办理")
    page.get_by_role("radio", name="办理完毕").check()
    page.get_by_label("核查情况").fill(findings)
    submit(page)
    open_task(page, number, "答复投诉人")
    page.get_by_role("textbox", name="答复意见").fill(reply)
    page.get_by_label("答复方式").select_option(label="电话")
    submit(page)


def test_a_complaint_goes_from_intake_to_closure_with_four_people(sqlite_only, people, env, shot):
    started = time.monotonic()
    board_cases = background_cases(env)

    # 1. The intake desk registers the complaint, picking the place town → work area → village.
    intake = people("intake")
    intake.get_by_role("link", name="登记投诉").click()
    intake.get_by_label("来源渠道").select_option(label="12345/12369 热线")
    intake.get_by_label("问题类别").select_option(label="大气")
    intake.get_by_label("投诉对象类型").select_option(label="企业")
    intake.get_by_label("标题").fill("城关镇化工厂夜间排放刺鼻气体")
    intake.get_by_label("问题描述").fill("每晚十点以后厂区方向有刺鼻气味，门窗紧闭仍能闻到。")
    intake.get_by_label("被投诉单位").fill("示范县宏达化工有限公司")
    htmx_ready(intake.get_by_label("乡镇（街道）")).select_option(label="城关镇")  # the htmx picker replaces the single list
    area = intake.get_by_label("网格（片区）")
    expect(area.locator("option", has_text="城关镇第1网格")).to_have_count(1)
    area.select_option(label="城关镇第1网格")
    village = intake.get_by_label("村（社区）")
    expect(village.locator("option", has_text="张家村")).to_have_count(1)
    village.select_option(label="张家村")
    intake.get_by_label("详细地址").fill("工业路 8 号")
    intake.get_by_label("姓名", exact=True).fill("张建国")
    intake.get_by_label("联系电话").fill("13800001234")
    intake.get_by_role("button", name="登记", exact=True).click()
    flash = intake.get_by_role("status").filter(has_text="已登记")
    expect(flash).to_be_visible()
    number = NUMBER.search(flash.inner_text()).group(0)
    case_url = intake.url
    assert re.search(r"/cases/\d+$", case_url)
    expect(intake.get_by_role("heading", level=1)).to_have_text("城关镇化工厂夜间排放刺鼻气体")
    expect(intake.get_by_text("城关镇 / 城关镇第1网格 / 张家村")).to_be_visible()

    # 2. It waits in the intake group's inbox; the intake desk accepts it.
    intake.goto("/inbox")
    expect(intake.get_by_role("row").filter(has_text=number)).to_contain_text("受理")
    shot(intake, "flow-inbox")
    open_task(intake, number, "受理")
    intake.get_by_role("radio", name="受理", exact=True).check()
    submit(intake)

    # 3. Assignment: routing has already proposed 大气环境科.
    open_task(intake, number, "交办")
    expect(intake.get_by_role("radio", name="交办", exact=True)).to_be_checked()
    expect(intake.get_by_label("承办部门")).to_have_value("air")
    expect(intake.get_by_label("承办部门").locator("option:checked")).to_have_text("大气环境科")
    submit(intake)

    # 4. The handler handles it; the form first points at a missing field.
    handler = people("handler")
    open_task(handler, number, "办理")
    handler.get_by_role("radio", name="办理完毕").check()
    handler.get_by_role("button", name="提交", exact=True).click()
    expect(handler.get_by_role("alert").filter(has_text="提交未成功")).to_be_visible()
    findings = handler.get_by_label("核查情况")
    expect(findings).to_have_attribute("aria-invalid", "true")
    expect(handler.get_by_role("radio", name="办理完毕")).to_be_checked()  # what was chosen is kept
    shot(handler, "flow-task-form-error")
    findings.fill("现场核查：该厂废气处理设施未正常运行，已责令立即整改。")
    submit(handler)
    open_task(handler, number, "答复投诉人")
    expect(handler.get_by_text("已责令立即整改")).to_be_visible()  # the earlier step is shown
    handler.get_by_role("textbox", name="答复意见").fill("已电话告知投诉人处理情况。")
    handler.get_by_label("答复方式").select_option(label="电话")
    submit(handler)

    # 5. The lead sends it back once: the case returns to handling.
    lead = people("lead")
    lead.get_by_role("link", name="审批", exact=True).click()
    lead.get_by_role("row").filter(has_text=number).get_by_role("link", name="去审批").click()
    expect(lead.get_by_role("heading", level=1)).to_contain_text("审核办结")
    lead.get_by_role("radio", name="不同意").check()
    lead.get_by_label("意见说明").fill("请补充整改后的复查结果。")
    submit(lead)
    expect(lead.get_by_role("row").filter(has_text=number)).to_have_count(0)

    # 6. Second round. A grid officer of the same town opens the handle task too; the handler
    # completes it first, so the officer's copy is stale.
    gridofficer = people("gridofficer")
    open_task(gridofficer, number, "办理")
    # Whoever handles it again reads why the lead sent it back.
    expect(gridofficer.get_by_role("region", name="审核", exact=True)).to_contain_text("请补充整改后的复查结果。")
    handle_and_feed_back(handler, number, "复查：设施已恢复运行，夜间无明显异味。", "已告知投诉人复查结果。")
    gridofficer.get_by_role("radio", name="办理完毕").check()
    gridofficer.get_by_label("核查情况").fill("网格员现场查看，无异味。")
    with gridofficer.expect_response(lambda r: r.request.method == "POST") as answer:
        gridofficer.get_by_role("button", name="提交", exact=True).click()
    assert answer.value.status == 409
    expect(gridofficer.get_by_role("heading", level=1)).to_contain_text("409")
    expect(gridofficer.get_by_role("alert")).to_contain_text("该任务已由 大气科 李强（handler） 办理，您的提交未保存。")
    shot(gridofficer, "flow-conflict-409")

    # 7. The lead approves; the case is closed and waits for the follow-up call.
    lead.goto("/approvals")
    lead.get_by_role("row").filter(has_text=number).get_by_role("link", name="去审批").click()
    expect(lead.get_by_text("复查：设施已恢复运行")).to_be_visible()
    lead.get_by_role("radio", name="同意", exact=True).check()
    submit(lead)

    # 8. The intake desk calls the complainant back: satisfied.
    open_task(intake, number, "满意度回访")
    intake.get_by_role("radio", name="满意", exact=True).check()
    intake.get_by_label("回访情况").fill("投诉人表示气味已消除。")
    submit(intake)
    intake.goto(case_url)
    expect(intake.get_by_text("已办结").first).to_be_visible()
    expect(intake.locator(".case-badges .badge.green")).to_have_text("绿色 办结")
    timeline = intake.get_by_role("region", name="办理过程")
    for line in ("交办至 大气环境科", "审核未通过，退回重新办理：请补充整改后的复查结果。", "案件办结", "回访满意度：满意"):
        expect(timeline.get_by_text(line, exact=False).first).to_be_visible()
    assert env.case(int(case_url.rsplit("/", 1)[1])).status == "closed"
    shot(intake, "flow-case-timeline")

    # 9. The supervisor's board: red first (overdue, escalated to the town), yellow, blue.
    supervisor = people("supervisor")
    supervisor.get_by_role("link", name="四色看板", exact=True).click()
    red_group = supervisor.get_by_role("region", name=re.compile("红色 超期"))
    expect(red_group.get_by_role("row").filter(has_text=board_cases["red"].number)).to_have_count(1)
    expect(supervisor.get_by_role("region", name=re.compile("黄色 预警")).get_by_role("row")
           .filter(has_text=board_cases["yellow"].number)).to_have_count(1)
    expect(supervisor.get_by_role("region", name=re.compile("蓝色 在办")).get_by_role("row")
           .filter(has_text=board_cases["blue"].number)).to_have_count(1)
    expect(supervisor.get_by_text(number)).to_have_count(0)  # closed cases leave the board
    shot(supervisor, "flow-board")
    assert time.monotonic() - started < 60
