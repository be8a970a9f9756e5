"""An inspector on a phone (390×844) works a drawn random inspection — the notice, then the
inspection's result — and anyone reads the public results page on a phone: the enterprise, the
date, the result, the seed and digest, and the draw's JSON to verify."""
from __future__ import annotations

import json

from playwright.sync_api import Page, expect
from sqlalchemy import select

from engine.inspections import recording
from engine.inspections.draw import verify
from engine.models import Task, User
from engine.models.enterprise import Enterprise
from engine.models.inspection import Inspection
from tests.browser.conftest import PHONE, no_horizontal_overflow
from tests.engine.inspections.conftest import county, make_plan  # noqa: F401 - the fixture


def _ready(env, row):
    with env.db.read() as s:
        return s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()


def test_an_inspection_on_a_phone_and_the_public_results(sqlite_only, sign_in, phone_page, env, county, shot):  # noqa: F811
    _ids, people = county
    plan = make_plan(env, people, rate_key="12.5", rate_general="")
    env.run(recording.fix_seed, plan.id, "3312.45", "上证指数收盘", "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    with env.db.read() as s:
        row = s.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).one()
        enterprise = s.get(Enterprise, row.enterprise_id)
    task = _ready(env, row)
    with env.db.read() as s:
        username = s.get(User, task.reserved_for_id).username

    page: Page = sign_in(username, **PHONE)
    page.goto("/")
    page.get_by_role("link", name="我的待办").first.click()
    page.get_by_role("link", name="检查通知").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("检查通知")
    no_horizontal_overflow(page, "notice task")
    page.get_by_label("计划检查日期").fill("2026-03-10")
    page.get_by_role("group", name="计划检查方式").get_by_label("现场检查", exact=True).check()
    page.get_by_label("通知事项").fill("请备齐排污许可台账")
    page.get_by_role("button", name="提交").first.click()
    page.wait_for_url(lambda url: "/tasks/" not in url)

    task = _ready(env, row)
    page.goto(f"/tasks/{task.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("实施检查")
    page.get_by_role("group", name="检查方式").get_by_label("现场检查", exact=True).check()
    page.get_by_label("检查日期").fill("2026-03-10")
    page.get_by_label("检查发现").fill("治污设施正常运行，台账齐全")
    page.get_by_label("公示的检查结果").fill("未发现环境违法行为")
    no_horizontal_overflow(page, "inspection task")
    shot(page, "inspection-phone")
    page.get_by_role("button", name="提交").first.click()
    page.wait_for_url(lambda url: "/tasks/" not in url)
    with env.db.read() as s:
        assert s.get(Inspection, row.id).result == "compliant"

    public = phone_page
    public.goto("/public/inspections")
    public.get_by_role("link", name=f"2026 {plan.name}").click()
    results = public.locator("#results")
    expect(results).to_contain_text(enterprise.name)
    expect(results).to_contain_text(enterprise.credit_code)
    expect(results).to_contain_text("2026-03-10")
    expect(results).to_contain_text("未发现环境违法行为")
    expect(public.locator("#public-value")).to_contain_text("3312.45")
    no_horizontal_overflow(public, "public results")
    shot(public, "inspection-results-phone")
    with public.expect_download() as download:
        public.get_by_role("link", name="下载抽取文件（JSON）").click()
    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert verify(document) == [] and document["digest"] in public.locator("#digest").inner_text()
