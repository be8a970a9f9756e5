"""The supervision section runs a random draw (双随机) in the browser: a plan made in the form,
the public random value registered (which fixes the seed), the draw run, and its published JSON
recomputed offline to the same result (engine/inspections/draw.verify)."""
from __future__ import annotations

import json

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from engine.inspections.draw import verify
from engine.models.inspection import Inspection, InspectionPlan
from tests.engine.inspections.conftest import county  # noqa: F401 - the fixture


def test_a_plan_is_made_seeded_and_drawn_and_the_draw_verifies(sqlite_only, sign_in, env, county, shot):  # noqa: F811
    _ids, people = county
    page: Page = sign_in("supervisor")
    page.goto("/inspections/new")
    page.get_by_label("名称").fill("2026年度浏览器抽查")
    page.locator("#rate_key").fill("25")
    page.locator("#rate_general").fill("10")
    for user_id in people.values():
        page.locator(f"#insp-{user_id}").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("2026年度浏览器抽查")
    plan_id = int(page.url.rstrip("/").rsplit("/", 1)[1])

    page.get_by_label("公开随机值").fill("3312.45")
    page.get_by_label("来源").fill("上证指数2026-03-02收盘")
    page.get_by_role("button", name="登记并确定随机种子").click()
    seed = page.locator("#seed")
    expect(seed).not_to_be_empty()
    page.get_by_role("button", name="抽取并派发检查任务").click()
    expect(page.locator("#verification")).to_have_text("已按记录重新计算，结果一致")
    shot(page, "inspection-draw")

    with env.db.read() as s:
        plan = s.get(InspectionPlan, plan_id)
        drawn = s.scalar(select(func.count()).select_from(Inspection).where(Inspection.plan_id == plan_id))
        document = plan.draw_document
    # 8 key enterprises at 25 % and 20 general ones at 10 %: 2 + 2 objects, each with its inspectors.
    assert drawn == 4
    expect(page.get_by_role("heading", name="检查任务（4）")).to_be_visible()
    assert seed.inner_text() == plan.seed
    # Anyone holding the published JSON recomputes the same draw; a changed seed does not verify.
    published = json.loads(json.dumps(document))
    assert verify(published) == []
    published["inputs"]["seed"] = "0" * len(str(published["inputs"]["seed"]))
    assert verify(published) != []
