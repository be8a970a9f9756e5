"""The supervision section's plan pages and the public results: a plan saved from its form (field
errors, frozen once seeded), the public value recorded, the draw, an inspector working the notice
and the inspection on the task page, the 检查通知书 PDF, and the public page with its JSON (which
verifies) and its 抽查结果公示 PDF."""
from __future__ import annotations

import io
import json

from pypdf import PdfReader
from sqlalchemy import select

from engine.inspections.draw import verify
from engine.models import Task, User
from engine.models.inspection import Inspection, InspectionPlan
from tests.engine.inspections.conftest import county  # noqa: F401 - the fixture

PLAN = {"year": "2026", "name": "2026年度双随机抽查", "rate_key": "25", "rate_general": "5", "rate_special": "",
        "per_object": "2", "bureau_min": "1", "inspect_days": "15", "publish_days": "20"}


def pdf_text(data: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def username_of(env, user_id):
    with env.db.read() as s:
        return s.get(User, user_id).username


def drawn(env, as_user, people):
    sup = as_user("supervisor")
    form = {**PLAN}
    bad = sup.post("/inspections/new", {**form, "rate_key": "150", "bureau_min": "3"}, page_url="/inspections/new")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "0–100" in text and "本局人员数不能多于" in text
    data = {**form, "inspector_ids": [str(i) for i in people.values()]}
    done = sup.post("/inspections/new", data)
    assert done.status_code == 302
    plan_id = int(done.headers["Location"].rsplit("/", 1)[1])
    page = sup.get(f"/inspections/{plan_id}").get_data(as_text=True)
    assert "待抽取" in page and "检查对象名录" in page
    assert sup.post(f"/inspections/{plan_id}/draw", {}, page_url=f"/inspections/{plan_id}").status_code == 302
    with env.db.read() as s:  # refused: no public value yet
        assert s.get(InspectionPlan, plan_id).status == "draft"
    sup.post(f"/inspections/{plan_id}/seed", {"public_value": "3312.45", "public_value_source": "上证指数收盘"},
             page_url=f"/inspections/{plan_id}")
    assert sup.get(f"/inspections/{plan_id}/edit").status_code == 409  # frozen once seeded
    sup.post(f"/inspections/{plan_id}/draw", {}, page_url=f"/inspections/{plan_id}")
    page = sup.get(f"/inspections/{plan_id}").get_data(as_text=True)
    assert "已抽取" in page and "已按记录重新计算，结果一致" in page
    return sup, plan_id


def test_plan_draw_inspection_and_public_results(env, as_user, county):  # noqa: F811
    _ids, people = county
    sup, plan_id = drawn(env, as_user, people)
    with env.db.read() as s:
        row = s.scalars(select(Inspection).where(Inspection.plan_id == plan_id).order_by(Inspection.id)).first()
        task = s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()
    inspector = as_user(username_of(env, task.reserved_for_id))
    assert inspector.post(f"/tasks/{task.id}", {"planned_date": "2026-03-10", "planned_mode": "on_site"}).status_code == 302
    with env.db.read() as s:
        assert s.get(Inspection, row.id).notice_number
    with env.db.read() as s:
        task = s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()
    notice = inspector.get(f"/inspections/notice/{row.id}.pdf")
    assert notice.status_code == 200 and "检查通知书" in pdf_text(notice.data)
    assert inspector.get(f"/inspections/{plan_id}").status_code == 403  # inspectors do not manage plans
    done = inspector.post(f"/tasks/{task.id}", {"mode": "on_site", "inspected_on": "2026-03-10",
                                                "findings": "设施运行正常", "summary": "未发现环境违法行为"})
    assert done.status_code == 302
    public = as_user().get(f"/public/inspections/{plan_id}").get_data(as_text=True)
    assert "未发现环境违法行为" in public and "2026-03-10" in public and "3312.45" in public
    document = json.loads(as_user().get(f"/public/inspections/{plan_id}/draw.json").data)
    assert verify(document) == []
    pdf = as_user().get(f"/public/inspections/{plan_id}/results.pdf")
    assert pdf.status_code == 200 and "抽查结果公示" in pdf_text(pdf.data)
    assert sup.post(f"/inspections/{plan_id}/publish", {}, page_url=f"/inspections/{plan_id}").status_code == 302
    assert "已公示" in sup.get(f"/inspections/{plan_id}").get_data(as_text=True)
    assert f"/public/inspections/{plan_id}" in as_user().get("/public/inspections").get_data(as_text=True)


def test_a_plan_not_drawn_is_not_public(env, as_user, county):  # noqa: F811
    _ids, people = county
    sup = as_user("supervisor")
    done = sup.post("/inspections/new", {**PLAN, "inspector_ids": [str(i) for i in people.values()]})
    plan_id = int(done.headers["Location"].rsplit("/", 1)[1])
    for url in (f"/public/inspections/{plan_id}", f"/public/inspections/{plan_id}/draw.json",
                f"/public/inspections/{plan_id}/results.pdf"):
        assert as_user().get(url).status_code == 404


def test_a_violation_is_linked_from_the_plan_and_on_the_enterprises_history(env, as_user, county):  # noqa: F811
    from engine.inspections import recording
    from engine.models.enforcement import EnforcementCase
    from engine.work.tasks import complete_task
    from tests.engine.inspections.conftest import make_plan

    _ids, people = county
    plan = make_plan(env, people, rate_key="12.5", rate_general="")
    env.run(recording.fix_seed, plan.id, "3312.45", None, "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    with env.db.read() as s:
        row = s.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).one()

    def ready():
        with env.db.read() as s:
            return s.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.state == "ready")).one()

    env.run(complete_task, ready().id, {"planned_date": "2026-03-10", "planned_mode": "on_site"}, "tester")
    env.run(complete_task, ready().id, {"mode": "on_site", "inspected_on": "2026-03-10", "findings": "暗管偷排",
                                        "violation": True, "summary": "发现环境违法行为"}, "tester")
    with env.db.read() as s:
        enforcement = s.scalars(select(EnforcementCase).where(EnforcementCase.inspection_id == row.id)).one()
    link = f"/enforcement/{enforcement.id}"
    assert link in as_user("supervisor").get(f"/inspections/{plan.id}").get_data(as_text=True)
    page = as_user("supervisor").get(f"/enterprises/{row.enterprise_id}").get_data(as_text=True)
    assert link in page and "发现环境违法行为" in page and plan.name in page
    assert as_user("supervisor").get(link).status_code == 200
