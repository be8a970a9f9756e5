"""What workflows/bpmn/enforcement.bpmn calls: each step's record on the enforcement case, the
case number (立案), the warning (yellow) and the missed deadline (red, one tier up: 一级督一级).

The enforcement brigade works at the county, so its cases start supervised by tier 2 and a missed
deadline tells the next tier's supervisors over the case's place (engine/patrol/functions.py
supervisors_over) — the county's supervision section, then the bureau's leaders.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select

from documents.issue import number_in_series
from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext
from engine.models import TOP_TIER, Department, Grid, User
from engine.models.enforcement import PRODUCTION_LIMITS, EnforcementCase
from engine.patrol.functions import supervisors_over
from engine.vocabulary.words import ENFORCEMENT_STEPS, POLICE_DECISIONS, TIERS, word
from engine.vocabulary.words import PRODUCTION_LIMITS as LIMIT_WORDS

# The tier an enforcement case is supervised at before any escalation (the county's brigade).
BASE_TIER = 2
# 环罚立: the filing number's series; the county's name goes before it.
NUMBER_SERIES = "环罚立"


def case_number(session, now, tz: str) -> str:
    """<county>环罚立〔2026〕第N号, one series per year (documents/issue.py number_in_series)."""
    county = session.scalars(select(Grid.name).where(Grid.level == "county").order_by(Grid.id)).first() or ""
    return number_in_series(session, (county + NUMBER_SERIES)[-16:], now, tz)


def _date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise WorkflowFault(f"{field}: {value!r} 不是日期 (not a date)", element=field) from None


def enforcement_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def _row(enforcement_id) -> EnforcementCase:
        row = ctx.session.get(EnforcementCase, int(enforcement_id))
        if row is None:
            raise WorkflowFault(f"enforcement case {enforcement_id} not found")
        return row

    def enforcement_step(enforcement_id, step: str) -> str:
        """The case enters ``step``: its limits count from now (returned for the timers)."""
        row = _row(enforcement_id)
        row.step, row.colour = step, "blue"
        return ctx.now().isoformat()

    def file_enforcement(enforcement_id, party: str, violation: str) -> str:
        row = _row(enforcement_id)
        row.party, row.violation = (party or row.party)[:300], violation or row.violation
        if row.number is None:
            row.number = case_number(ctx.session, ctx.now(), ctx.timezone.key)
        row.filed_at, row.filed_by = ctx.now(), ctx.actor
        ctx.record("enforcement_filed", number=row.number, enforcement_id=row.id)
        return row.number

    def record_investigation(enforcement_id, findings: str, evidence=None, crime_suspected=None) -> None:
        row = _row(enforcement_id)
        row.findings = findings
        row.evidence = sorted({*(row.evidence or []), *[int(i) for i in (evidence or [])]})
        row.crime_suspected = crime_suspected is True
        ctx.record("enforcement_investigated", enforcement_id=row.id, crime_suspected=row.crime_suspected)

    def record_handover(enforcement_id, police_department: str, receiver: str, received_on, reason: str) -> str:
        """移交公安: the receiving police department (an outside agency in greenloop, whose people
        record the decision), the receiving officer and date. Returns the department's code."""
        row = _row(enforcement_id)
        police = ctx.session.scalars(select(Department).where(Department.code == police_department)).first()
        if police is None or police.kind != "external":
            raise WorkflowFault(f"{police_department!r} 不是外部单位 (not an outside agency)", element="police_department")
        row.police_department_id, row.police_receiver = police.id, receiver
        row.police_received_on = _date(received_on, "received_on")
        row.handed_over_at = ctx.now()
        ctx.record("enforcement_handed_over", enforcement_id=row.id, department=police.name, receiver=receiver,
                   reason=reason)
        return police.code

    def record_police_decision(enforcement_id, decision: str, note: str | None = None) -> None:
        row = _row(enforcement_id)
        if decision not in POLICE_DECISIONS:
            raise WorkflowFault(f"decision must be one of {', '.join(POLICE_DECISIONS)}", element="decision")
        row.police_decision, row.police_decided_at = decision, ctx.now()
        ctx.record("enforcement_police_decided", enforcement_id=row.id, decision=word(POLICE_DECISIONS, decision),
                   note=note)

    def awaiting_police(enforcement_id) -> bool:
        """Still waiting for the police's decision (the follow-up keeps escalating each period)."""
        row = _row(enforcement_id)
        return row.step == "police" and row.police_decision is None

    def record_decision(enforcement_id, fine_yuan, production_limit: str, limit_start, limit_end,
                        correction_order: str, correction_days) -> None:
        row = _row(enforcement_id)
        if production_limit not in PRODUCTION_LIMITS:
            raise WorkflowFault(f"production_limit must be one of {', '.join(PRODUCTION_LIMITS)}",
                                element="production_limit")
        start, end = _date(limit_start, "limit_start"), _date(limit_end, "limit_end")
        if production_limit != "none" and start and end and end < start:
            raise WorkflowFault("截止日期早于起始日期 (the limits end before they start)", element="limit_end")
        try:
            row.fine_yuan = Decimal(str(fine_yuan)).quantize(Decimal("0.01")) if fine_yuan not in (None, "") else None
        except InvalidOperation:
            raise WorkflowFault(f"fine_yuan: {fine_yuan!r}", element="fine_yuan") from None
        row.production_limit = production_limit
        row.limit_start, row.limit_end = (start, end) if production_limit != "none" else (None, None)
        row.correction_order, row.correction_days = correction_order, int(correction_days) if correction_days else None
        row.decided_at = ctx.now()
        detail = {"enforcement_id": row.id}
        if row.fine_yuan is not None:
            detail["fine_yuan"] = f"{row.fine_yuan:,.2f}"
        if production_limit != "none":
            detail.update(limit=word(LIMIT_WORDS, production_limit), limit_start=str(start or "—"),
                          limit_end=str(end or "—"))
        ctx.record("enforcement_decided", **detail)

    def record_rectify_check(enforcement_id, rectified, note: str, evidence=None) -> None:
        row = _row(enforcement_id)
        row.rectified = rectified is True
        row.evidence = sorted({*(row.evidence or []), *[int(i) for i in (evidence or [])]})
        ctx.record("enforcement_rectify_checked", enforcement_id=row.id, rectified=row.rectified, note=note)

    def close_enforcement(enforcement_id, summary: str) -> None:
        row = _row(enforcement_id)
        row.step, row.colour, row.closed_at, row.summary = "closed", "green", ctx.now(), summary
        ctx.record("enforcement_closed", enforcement_id=row.id, number=row.number)

    def enforcement_warning(enforcement_id, step: str) -> None:
        row = _row(enforcement_id)
        if row.step == step and row.colour == "blue":
            row.colour = "yellow"
        ctx.record("enforcement_warning", enforcement_id=row.id, step=word(ENFORCEMENT_STEPS, step))

    def escalate_enforcement(enforcement_id, step: str) -> int:
        """The step ran past its limit: red, one tier up, and that tier's supervisors are told.
        Waiting for the police's decision past its limit is also marked on the case (police_late)."""
        row = _row(enforcement_id)
        tier = min((row.escalated_tier or BASE_TIER) + 1, TOP_TIER)
        row.colour, row.escalated_tier = "red", tier
        if step == "police":
            row.police_late = True
        step_word = word(ENFORCEMENT_STEPS, step)
        ctx.record("enforcement_escalated", enforcement_id=row.id, step=step_word, to_tier=tier)
        title = f"督办：执法案件 {row.number or row.id}「{step_word}」超期"
        body = f"当事人：{row.party}。「{step_word}」环节已超过期限，升级至{TIERS[tier]}督办。"
        users = supervisors_over(ctx.session, row.grid_path, tier) if row.grid_path else []
        for user_id in users:
            ctx.notify("escalation", title, body, user_id=user_id)
        if not users:
            ctx.notify("escalation", title, body, group="supervisor", tier=tier)
        if step == "police" and row.police_department_id:
            # The receiving police department's people are reminded too, each period it has not decided.
            for user_id in ctx.session.scalars(select(User.id).where(User.department_id == row.police_department_id,
                                                                     User.active.is_(True))):
                ctx.notify("warning", f"催办：执法案件 {row.number or row.id} 待公安机关反馈处理决定",
                           f"当事人：{row.party}。移送已超过期限，请尽快在系统中记录处理决定（立案、不予立案或退回）。",
                           user_id=user_id)
        return tier

    return {"enforcement_step": enforcement_step, "file_enforcement": file_enforcement,
            "record_investigation": record_investigation, "record_handover": record_handover,
            "record_police_decision": record_police_decision, "record_decision": record_decision,
            "record_rectify_check": record_rectify_check, "close_enforcement": close_enforcement,
            "enforcement_warning": enforcement_warning, "escalate_enforcement": escalate_enforcement,
            "awaiting_police": awaiting_police}
