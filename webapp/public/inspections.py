"""The public random-inspection results (双随机抽查结果公示): each drawn plan with its public value,
seed and digest, the drawn enterprises (name, credit code), inspection date and result summary,
the published draw as JSON (which `greenloop draw verify FILE` accepts) and the 抽查结果公示 PDF.
No inspector, contact or complainant appears (engine/inspections/results.py)."""
from __future__ import annotations

import json

from flask import Blueprint, render_template

from documents import inspection_papers
from engine.inspections import results
from engine.inspections.plans import fraction_to_percent
from engine.vocabulary.words import INSPECTION_MODES, INSPECTION_RESULTS, SUPERVISION_CLASSES
from webapp.runtime import current_runtime

bp = Blueprint("public_inspections", __name__, url_prefix="/public/inspections")


@bp.get("")
def index():
    with current_runtime().db.read() as s:
        rows = results.published_plans(s)
    return render_template("public/inspections.html", rows=rows)


@bp.get("/<int:plan_id>")
def show(plan_id: int):
    with current_runtime().db.read() as s:
        plan = results.public_plan(s, plan_id)
    return render_template("public/inspection_plan.html", plan=plan, classes=SUPERVISION_CLASSES,
                           modes=INSPECTION_MODES, outcomes=INSPECTION_RESULTS, percent=fraction_to_percent)


@bp.get("/<int:plan_id>/draw.json")
def draw_json(plan_id: int):
    with current_runtime().db.read() as s:
        document = results.published_document(s, plan_id)
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1)
    return body, 200, {"Content-Type": "application/json; charset=utf-8",
                       "Content-Disposition": f"attachment; filename=draw-plan-{plan_id}.json"}


@bp.get("/<int:plan_id>/results.pdf")
def results_pdf(plan_id: int):
    runtime = current_runtime()
    with runtime.db.read() as s:
        context = inspection_papers.results_context(s, plan_id, runtime.now(), runtime.timezone)
    return inspection_papers.render(context).pdf, 200, {
        "Content-Type": "application/pdf", "Content-Disposition": f"inline; filename=inspection-results-{plan_id}.pdf"}
