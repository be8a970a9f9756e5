"""The demo county's random inspection: this year's plan (重点 25 %, 一般 5 %) with the bureau's
handlers as the pool, the seed fixed from a stated public value, the draw, every drawn
inspection worked through inspection.bpmn by its lead inspector (most compliant, some ordered to
correct and checked, one violation, whose enforcement case is opened at filing by
engine/enforcement/start.py), and the results published."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.core.runtime import Runtime
from engine.inspections import plans, recording, results
from engine.models import Task, User
from engine.models.inspection import Inspection, InspectionPlan
from engine.work.tasks import complete_task

PUBLIC_VALUE = "上证综合指数 开年首个交易日收盘 3312.45"


def _complete(session: Session, runtime: Runtime, row: Inspection, spec: str, data: dict) -> None:
    task = session.scalars(select(Task).where(Task.instance_id == row.instance_id, Task.spec == spec,
                                              Task.state == "ready")).one()
    actor = session.scalar(select(User.username).where(User.id == task.reserved_for_id)) or "supervisor"
    complete_task(session, runtime, task.id, data, actor)


def seed_random_inspection(session: Session, runtime: Runtime) -> int:
    """Draw and work this year's plan once; returns how many inspections it made (0 when a plan exists)."""
    if session.scalar(select(func.count()).select_from(InspectionPlan)):
        return 0
    today = runtime.now().astimezone(ZoneInfo(runtime.timezone)).date()
    pool = [u.id for u in plans.candidates(session, False)]
    plan = plans.save_plan(session, None, {"year": today.year, "name": f"{today.year}年度污染源双随机抽查",
                                           "rate_key": "25", "rate_general": "5", "inspector_ids": pool},
                           "supervisor", runtime.now())
    recording.fix_seed(session, runtime, plan.id, PUBLIC_VALUE, "上海证券交易所公布", "supervisor")
    recording.run_draw(session, runtime, plan.id, "supervisor")
    rows = list(session.scalars(select(Inspection).where(Inspection.plan_id == plan.id).order_by(Inspection.id)))
    day = today.isoformat()
    for i, row in enumerate(rows):
        mode = "off_site" if i % 3 == 2 else "on_site"
        _complete(session, runtime, row, "ins_notify", {"planned_date": day, "planned_mode": mode,
                                                        "notice_note": "请备齐排污许可证、自行监测报告和治污设施运行台账"})
        inspect = {"mode": mode, "inspected_on": day, "findings": "治污设施正常运行，台账齐全",
                   "summary": "未发现环境违法行为"}
        if i % 4 == 1:
            inspect.update(findings="危险废物贮存场所标识不全", summary="责令限期整改",
                           rectification="按规范设置危险废物贮存场所标识", rectify_days=5)
        if i == 3:
            inspect.update(findings="污水处理设施未正常运行，超标排放", summary="发现超标排放，依法查处", violation=True)
        _complete(session, runtime, row, "ins_inspect", inspect)
        if row.step == "rectify":
            _complete(session, runtime, row, "ins_rectify", {"rectified": True, "rectify_note": "已按要求整改到位"})
    results.publish(session, runtime, plan.id, "supervisor")
    return len(rows)
