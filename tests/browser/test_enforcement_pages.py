"""The enforcement path in the browser: a lead inspector on a phone (390×844) records a random
inspection's violation with a photo as evidence; the violation's enforcement case is filed (立案),
investigated with a suspected crime and handed to the police, the 案件移送书 PDF is downloaded from
the enforcement page, the police officer records the decision, and the brigade records the
penalty decision (fine, 限产) that the enforcement page then shows."""
from __future__ import annotations

import io

from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import select

from engine.inspections import recording
from engine.models import Attachment, Task, User
from engine.models.enforcement import EnforcementCase
from engine.models.inspection import Inspection
from engine.work.tasks import complete_task
from tests import images
from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.engine.enforcement.conftest import add_agency_officer
from tests.engine.inspections.conftest import county, make_plan  # noqa: F401 - the fixture


def _ready(env, instance_id):
    with env.db.read() as s:
        return s.scalars(select(Task).where(Task.instance_id == instance_id, Task.state == "ready")).one()


def _submit(page: Page) -> None:
    page.get_by_role("button", name="提交").first.click()
    page.wait_for_url(lambda url: "/tasks/" not in url)


def _next_step(page: Page, enforcement_id: int, heading: str) -> None:
    """From the enforcement page to its open step's task."""
    page.goto(f"/enforcement/{enforcement_id}")
    page.locator("section[aria-labelledby=h-tasks] a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)


def test_a_violation_found_on_a_phone_goes_to_filing_handover_and_penalty(
        sqlite_only, sign_in, env, county, shot):  # noqa: F811
    _ids, people = county
    add_agency_officer(env)  # police1 of 公安局
    plan = make_plan(env, people, rate_key="12.5", rate_general="")
    env.run(recording.fix_seed, plan.id, "3312.45", None, "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    with env.db.read() as s:
        row = s.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).one()
    env.run(complete_task, _ready(env, row.instance_id).id, {"planned_date": "2026-03-10",
                                                              "planned_mode": "on_site"}, "tester")
    task = _ready(env, row.instance_id)
    with env.db.read() as s:
        inspector = s.get(User, task.reserved_for_id).username

    phone = sign_in(inspector, **PHONE)
    phone.goto(f"/tasks/{task.id}")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("实施检查")
    phone.get_by_role("group", name="检查方式").get_by_label("现场检查", exact=True).check()
    phone.get_by_label("检查日期").fill("2026-03-10")
    phone.get_by_label("检查发现").fill("私设暗管，夜间直排生产废水")
    phone.get_by_label("发现环境违法行为").check()
    phone.locator("input[type=file][name=evidence]").set_input_files(
        {"name": "暗管.jpg", "mimeType": "image/jpeg", "buffer": images.jpeg((64, 48))})
    phone.get_by_label("公示的检查结果").fill("发现环境违法行为，已立案查处")
    no_horizontal_overflow(phone, "inspection with a violation")
    shot(phone, "inspection-violation-phone")
    _submit(phone)
    with env.db.read() as s:
        assert s.get(Inspection, row.id).result == "violation"
        assert [a.filename for a in s.scalars(select(Attachment).where(Attachment.inspection_id == row.id))] \
            == ["暗管.jpg"]
        enforcement = s.scalars(select(EnforcementCase).where(EnforcementCase.inspection_id == row.id)).one()

    brigade = sign_in("lead2")
    brigade.goto("/enforcement")
    brigade.get_by_role("link", name="待立案").first.click()
    expect(brigade.get_by_role("heading", level=1)).to_contain_text("待立案")
    _next_step(brigade, enforcement.id, "立案")
    expect(brigade.get_by_label("当事人（企业或个人）")).not_to_have_value("")
    brigade.get_by_label("立案意见").fill("证据确凿，同意立案")
    _submit(brigade)

    handler = sign_in("handler2")
    _next_step(handler, enforcement.id, "调查")
    handler.get_by_label("调查认定的事实").fill("暗管直排含铬废水，超标 12 倍")
    handler.get_by_label("涉嫌环境犯罪，需移交公安").check()
    _submit(handler)
    _next_step(handler, enforcement.id, "移交")
    handler.get_by_label("接收的公安机关").select_option(value="police")
    handler.get_by_label("接收人").fill("环食药侦大队 王警官")
    handler.get_by_label("接收日期").fill("2026-03-12")
    handler.get_by_label("移送理由（涉嫌罪名及依据）").fill("涉嫌污染环境罪")
    _submit(handler)

    handler.goto(f"/enforcement/{enforcement.id}")
    expect(handler.locator("section[aria-labelledby=h-police]")).to_contain_text("环食药侦大队 王警官")
    with handler.expect_download() as download:
        handler.get_by_role("link", name="案件移送书").first.click()
    pdf = open(download.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "移送" in text and "公安局" in text
    shot(handler, "enforcement-handed-over")

    police = sign_in("police1")
    _next_step(police, enforcement.id, "公安机关处理决定")
    police.get_by_role("group", name="处理决定").get_by_label("不予立案", exact=True).check()
    police.get_by_label("说明").fill("未达刑事立案标准，退回行政处罚")
    _submit(police)

    _next_step(brigade, enforcement.id, "处罚决定")
    brigade.get_by_label("罚款金额（元）").fill("200000")
    brigade.get_by_role("group", name="限产停产").get_by_label("限制生产", exact=True).check()
    brigade.get_by_label("限产停产起始日期").fill("2026-03-20")
    brigade.get_by_label("限产停产截止日期").fill("2026-04-20")
    brigade.get_by_label("责令改正的内容").fill("拆除暗管，废水经处理达标后排放")
    brigade.get_by_label("改正期限（工作日）").fill("15")
    _submit(brigade)
    brigade.goto(f"/enforcement/{enforcement.id}")
    decision = brigade.locator("section[aria-labelledby=h-decision]")
    expect(decision).to_contain_text("200,000.00")
    expect(decision).to_contain_text("限制生产")
    expect(brigade.locator("section[aria-labelledby=h-police]")).to_contain_text("不予立案")
    shot(brigade, "enforcement-decided")
    with env.db.read() as s:
        done = s.get(EnforcementCase, enforcement.id)
        assert (done.step, done.police_decision, done.production_limit) == ("rectify_check", "not_filed", "limit")
