"""The random-inspection papers (engine/vocabulary/document_kinds.INSPECTION_KINDS): the 检查通知书
drawn from the snapshot its step kept on the inspection (engine/inspections/functions.py), and the
抽查结果公示 of a drawn plan. Rendered on request with the case documents' escaping, fonts and
stylesheet (documents/render.render_page_pdf); they are about an enterprise or a plan, not a case,
so they are not rows of the case documents' table.

The 公示 holds what the public portal shows and nothing more: enterprise names, credit codes,
dates and result summaries, and the draw's public value, seed and digest — no inspector, no contact.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from documents import settings as document_settings
from documents.render import Rendered, render_page_pdf
from engine.core.errors import NotFound
from engine.models.enterprise import Enterprise
from engine.models.inspection import Inspection, InspectionPlan
from engine.vocabulary.document_kinds import INSPECTION_KINDS
from engine.vocabulary.words import INSPECTION_MODES, INSPECTION_RESULTS, SUPERVISION_CLASSES, word

TEMPLATE = "inspection_paper.html"
PUBLIC_PLAN_STATUSES = ("drawn", "published")


def _day(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _base(session: Session, kind: str, number: str, issued) -> dict:
    settings = document_settings.load(session)
    return {"kind": kind, "title": INSPECTION_KINDS[kind]["zh"], "number": number, "version": 1,
            "confidential": False, "identity_shown": False, "masked": False,
            "bureau": document_settings.bureau_name(session, settings), "issued_date": issued}


def notice_context(session: Session, inspection_id: int) -> dict:
    row = session.get(Inspection, inspection_id)
    if row is None or not row.notice:
        raise NotFound(f"inspection notice {inspection_id}")
    notice = dict(row.notice)
    notice["mode_name"] = word(INSPECTION_MODES, notice.get("mode"))
    return {**_base(session, "inspection_notice", notice["number"], notice["issued"]), "notice": notice}


def results_context(session: Session, plan_id: int, now, tz: str) -> dict:
    plan = session.get(InspectionPlan, plan_id)
    if plan is None or plan.status not in PUBLIC_PLAN_STATUSES:
        raise NotFound(f"inspection plan {plan_id}")
    rows = session.execute(select(Enterprise.name, Enterprise.credit_code, Inspection.step, Inspection.inspected_on,
                                  Inspection.mode, Inspection.result, Inspection.summary)
                           .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
                           .where(Inspection.plan_id == plan.id).order_by(Enterprise.name, Enterprise.id))
    results = [{"name": r.name, "credit_code": r.credit_code,
                "inspected_on": _day(r.inspected_on) if r.step == "done" else "",
                "mode": word(INSPECTION_MODES, r.mode) if r.step == "done" else "",
                "result": word(INSPECTION_RESULTS, r.result) if r.step == "done" else "检查中",
                "summary": (r.summary or "") if r.step == "done" else ""} for r in rows]
    quotas = (plan.draw_document or {}).get("result", {}).get("quotas", {})
    prefix = INSPECTION_KINDS["inspection_results"]["prefix"]
    local = now.astimezone(ZoneInfo(tz))
    return {**_base(session, "inspection_results", f"{prefix}〔{plan.year}〕第{plan.id}号", _day(local.date())),
            "plan": {"year": plan.year, "name": plan.name, "public_value": plan.public_value,
                     "public_value_source": plan.public_value_source or "", "seed": plan.seed, "digest": plan.digest,
                     "drawn": _day(plan.drawn_at.astimezone(ZoneInfo(tz)).date()) if plan.drawn_at else "",
                     "quotas": [{"class": word(SUPERVISION_CLASSES, k), "eligible": q["eligible"], "drawn": q["drawn"]}
                                for k, q in sorted(quotas.items())]},
            "results": results}


def render(context: dict) -> Rendered:
    return render_page_pdf(TEMPLATE, context, "document.css")
