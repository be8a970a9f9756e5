"""What workflows/bpmn/inspection.bpmn calls: the 检查通知书 (numbered, its snapshot kept on the
inspection), the inspection's result with the rectification it orders, the hook to the
enforcement path, the rectification check, the result and its publication deadline, and the
warning (yellow) and missed deadline (red, one tier up: the supervision section, as the patrol's
escalation in engine/patrol/functions.py tells the next tier's supervisors over the place)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from documents.issue import number_in_series
from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.inspections import enforcement_hook
from engine.models import User
from engine.models.enterprise import Enterprise
from engine.models.inspection import Inspection, InspectionPlan
from engine.patrol.functions import supervisors_over
from engine.vocabulary.document_kinds import INSPECTION_KINDS
from engine.vocabulary.words import INSPECTION_MODES, TIERS

SUPERVISION_TIER = 3  # the county's supervision section (督查科)


def _date(value, name: str) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise WorkflowFault(f"{name} is not a date", element=name) from None


def _day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def last_day(moment: datetime, tz) -> date:
    """The last local day a working-day limit allows (engine/calendar ends it at the next midnight)."""
    return (moment.astimezone(tz) - timedelta(microseconds=1)).date()


def inspection_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def _row(inspection_id, *steps: str) -> Inspection:
        row = ctx.session.get(Inspection, int(inspection_id))
        if row is None:
            raise WorkflowFault(f"inspection {inspection_id} not found")
        if steps and row.step not in steps:
            raise WorkflowFault(f"inspection {row.id} is at {row.step}")
        return row

    def record_notice(inspection_id, planned_date, planned_mode, note=None) -> str:
        row = _row(inspection_id, "notify")
        if planned_mode not in INSPECTION_MODES:
            raise WorkflowFault("planned_mode", element="planned_mode")
        planned = _date(planned_date, "planned_date")
        plan = ctx.session.get(InspectionPlan, row.plan_id)
        enterprise = ctx.session.get(Enterprise, row.enterprise_id)
        people = [ctx.session.get(User, i) for i in row.inspector_ids]
        number = number_in_series(ctx.session, INSPECTION_KINDS["inspection_notice"]["prefix"], ctx.now(),
                                  str(ctx.timezone))
        row.notice_number, row.step = number, "inspect"
        # The snapshot the PDF is drawn from (documents/inspection_papers.py): what was true now.
        row.notice = {"number": number, "issued": _day(ctx.now().astimezone(ctx.timezone).date()),
                      "plan": plan.name, "enterprise": enterprise.name,
                      "credit_code": enterprise.credit_code, "address": enterprise.address or "",
                      "planned": _day(planned), "mode": planned_mode,
                      "inspectors": [p.display_name for p in people if p], "note": note or ""}
        ctx.record("inspection_notified", inspection=row.id, number=number, planned=planned.isoformat(),
                   mode=planned_mode)
        return number

    def record_inspection(inspection_id, mode, inspected_on, findings, violation, summary, rectification=None,
                          rectify_days=None) -> bool:
        """Returns whether a rectification is ordered (and then its deadline is set)."""
        row = _row(inspection_id, "inspect")
        if mode not in INSPECTION_MODES:
            raise WorkflowFault("mode", element="mode")
        row.mode, row.inspected_on = mode, _date(inspected_on, "inspected_on")
        row.findings, row.summary, row.violation = findings, (summary or "")[:500], bool(violation)
        needs = bool((rectification or "").strip())
        detail = {}
        if needs:
            if not rectify_days:
                raise WorkflowFault("整改期限必填 (give the time to correct)", element="rectify_days")
            due = ctx.calendar.deadline(ctx.now(), days=int(rectify_days))
            row.rectification, row.rectify_due, row.step = rectification.strip(), last_day(due, ctx.timezone), "rectify"
            detail["rectify_due"] = row.rectify_due.isoformat()
        ctx.record("inspection_inspected", inspection=row.id, mode=mode, on=row.inspected_on.isoformat(), **detail)
        return needs

    def refer_violation(inspection_id) -> None:
        row = _row(inspection_id)
        if row.violation:
            enforcement_hook.refer(ctx, row)

    def record_rectification(inspection_id, rectified, note) -> None:
        row = _row(inspection_id, "rectify")
        row.rectified = bool(rectified)
        row.findings = (row.findings or "") + f"\n【整改复查】{note}"
        ctx.record("inspection_rectification_checked", inspection=row.id,
                   inspection_result="rectified" if rectified else "not_rectified")

    def finish_inspection(inspection_id) -> None:
        row = _row(inspection_id, "inspect", "rectify")
        plan = ctx.session.get(InspectionPlan, row.plan_id)
        if row.violation:
            row.result = "violation"
        elif row.rectified is None:
            row.result = "compliant"
        else:
            row.result = "rectified" if row.rectified else "not_rectified"
        row.step, row.completed_at = "done", ctx.now()
        if row.colour != "red":
            row.colour = "green"
        row.publish_by = ctx.calendar.deadline(ctx.now(), days=plan.publish_days)
        ctx.record("inspection_finished", inspection=row.id, inspection_result=row.result,
                   publish_by=last_day(row.publish_by, ctx.timezone).isoformat())

    def inspection_warning(inspection_id) -> None:
        row = _row(inspection_id)
        if row.step != "done" and row.colour == "blue":
            row.colour = "yellow"
        ctx.record("inspection_warning", inspection=row.id)

    def escalate_inspection(inspection_id) -> int:
        row = _row(inspection_id)
        enterprise = ctx.session.get(Enterprise, row.enterprise_id)
        row.colour, row.escalated_tier = "red", SUPERVISION_TIER
        ctx.record("inspection_escalated", inspection=row.id, to_tier=SUPERVISION_TIER)
        title = f"督办：{enterprise.name} 双随机检查超期"
        body = f"对“{enterprise.name}”的双随机检查已超过期限，升级至{TIERS[SUPERVISION_TIER]}督办。"
        for user_id in supervisors_over(ctx.session, enterprise.grid_path, SUPERVISION_TIER):
            ctx.notify("escalation", title, body, user_id=user_id)
        return SUPERVISION_TIER

    return {"record_notice": record_notice, "record_inspection": record_inspection,
            "refer_violation": refer_violation, "record_rectification": record_rectification,
            "finish_inspection": finish_inspection, "inspection_warning": inspection_warning,
            "escalate_inspection": escalate_inspection}
