"""The supervision section's random-inspection pages: plans (年度抽查计划) with their rates, pool and
object list, the public value recorded before the draw, the draw, each plan's inspections, the
results' publication, and an inspection's 检查通知书 (its inspectors may read it too).
Who may do what is engine/org/scopes.py's (manages_inspections, reads_inspection)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from documents import inspection_papers
from engine.core.errors import AdminError
from engine.inspections import plans, recording, results
from engine.models import Attachment, AuditEvent, User
from engine.models.enforcement import EnforcementCase
from engine.models.enterprise import Enterprise
from engine.models.inspection import Inspection, InspectionPlan
from engine.org import scopes
from engine.vocabulary import events
from engine.vocabulary.words import (
    INSPECTION_MODES,
    INSPECTION_RESULTS,
    INSPECTION_STEPS,
    PLAN_STATUSES,
    SUPERVISION_CLASSES,
)
from webapp.cases.attachments import send_attachment
from webapp.inspections.wording import describe, field_name
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("inspections", __name__, url_prefix="/inspections")
PLAN_EVENTS = ("inspection_plan_saved", "inspection_seed_fixed", "inspection_drawn", "inspection_published")


def _require_manager() -> None:
    if not scopes.manages_inspections(current_user):
        abort(403)


def _today():
    runtime = _runtime()
    return runtime.now().astimezone(ZoneInfo(runtime.timezone)).date()


def _common() -> dict:
    return dict(classes=SUPERVISION_CLASSES, statuses=PLAN_STATUSES, steps=INSPECTION_STEPS, modes=INSPECTION_MODES,
                outcomes=INSPECTION_RESULTS, field_name=field_name, describe=describe,
                percent=plans.fraction_to_percent)


def _flash_problems(err: AdminError) -> dict[str, list[str]]:
    return {name: [describe(p) for p in found] for name, found in err.problems.items()}


@bp.get("")
@login_required
def index():
    _require_manager()
    with _runtime().db.read() as s:
        rows = list(s.scalars(select(InspectionPlan).order_by(InspectionPlan.year.desc(), InspectionPlan.id.desc())))
    return render_template("inspections/index.html", rows=rows, **_common())


def _form_values(plan: InspectionPlan | None) -> dict:
    if plan is None:
        return {"year": _today().year, "name": "", **{f"rate_{k}": v for k, v in plans.DEFAULT_RATES.items()},
                "per_object": 2, "bureau_min": 1, "publish_days": 20, "inspect_days": 15, "joint": False,
                "inspector_ids": []}
    return {"year": plan.year, "name": plan.name,
            **{f"rate_{k}": plans.fraction_to_percent(plan.rates.get(k)) for k in SUPERVISION_CLASSES},
            "per_object": plan.per_object, "bureau_min": plan.bureau_min, "publish_days": plan.publish_days,
            "inspect_days": plan.inspect_days, "joint": plan.joint, "inspector_ids": list(plan.inspector_ids)}


def _form(plan_id: int | None):
    _require_manager()
    runtime = _runtime()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("year", "name", "rate_key", "rate_general", "rate_special",
                                                       "per_object", "bureau_min", "publish_days", "inspect_days")}
        values["joint"] = request.form.get("joint") == "on"
        values["inspector_ids"] = request.form.getlist("inspector_ids")
        try:
            with transaction() as s:
                plan = plans.save_plan(s, plan_id, values, current_user.username, runtime.now())
                s.add(AuditEvent(case_id=None, instance_id=None, at=runtime.now(), actor=current_user.username,
                                 kind="inspection_plan_saved", detail={"plan": plan.id, "name": plan.name}))
                saved = plan.id
        except AdminError as err:
            errors = _flash_problems(err)
            values["inspector_ids"] = [int(i) for i in values["inspector_ids"] if str(i).isdigit()]
        else:
            flash(_("已保存抽查计划"), "info")
            return redirect(url_for("inspections.show", plan_id=saved))
    else:
        with runtime.db.read() as s:
            plan = plans.get_plan(s, plan_id) if plan_id else None
            if plan is not None and plan.status != "draft":
                abort(409)
            values = _form_values(plan)
    with runtime.db.read() as s:
        people = [(u, u.department) for u in plans.candidates(s, True)]
    return render_template("inspections/form.html", values=values, errors=errors, plan_id=plan_id, people=people,
                           **_common()), 422 if errors else 200


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    return _form(None)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@login_required
def edit(plan_id: int):
    return _form(plan_id)


@bp.get("/<int:plan_id>")
@login_required
def show(plan_id: int):
    _require_manager()
    runtime = _runtime()
    with runtime.db.read() as s:
        plan = s.get(InspectionPlan, plan_id) or abort(404)
        pool = plans.pool(s, plan)
        objects = plans.objects(s, plan, _today(), runtime.timezone) if plan.status in ("draft", "seeded") else []
        rows = s.execute(select(Inspection, Enterprise.name, Enterprise.credit_code)
                         .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
                         .where(Inspection.plan_id == plan.id).order_by(Enterprise.name, Enterprise.id)).all()
        names = dict(s.execute(select(User.id, User.display_name)).all())
        ids = [row.id for row, _name, _code in rows]
        enforced = {i: (e, number) for i, e, number in s.execute(
            select(EnforcementCase.inspection_id, EnforcementCase.id, EnforcementCase.number)
            .where(EnforcementCase.inspection_id.in_(ids)))} if ids else {}
        evidence: dict[int, list[Attachment]] = {}
        for item in (s.scalars(select(Attachment).where(Attachment.inspection_id.in_(ids),
                                                        Attachment.removed_at.is_(None)).order_by(Attachment.id))
                     if ids else []):
            evidence.setdefault(item.inspection_id, []).append(item)
        trail = [(e, events.render(e.kind, events.STAFF, _, detail=e.detail) or "") for e in
                 s.scalars(select(AuditEvent).where(AuditEvent.kind.in_(PLAN_EVENTS)).order_by(AuditEvent.id))
                 if (e.detail or {}).get("plan") == plan.id]
        problems = recording.verify_recorded(s, plan.id) if plan.draw_document else None
        overdue = len(results.overdue_publication(s, plan.id, runtime.now()))
    unmatched = (plan.draw_document or {}).get("result", {}).get("unmatched", [])
    return render_template("inspections/show.html", plan=plan, pool=pool, objects=objects, rows=rows, names=names,
                           trail=trail, problems=problems, unmatched=unmatched, overdue=overdue, enforced=enforced,
                           evidence=evidence,
                           listed=sum(1 for o in objects if o.object.listed), **_common())


def _act(plan_id: int, action, done: str):
    _require_manager()
    try:
        with transaction() as s:
            action(s)
    except AdminError as err:
        for found in _flash_problems(err).values():
            for text in found:
                flash(text, "error")
    else:
        flash(done, "info")
    return redirect(url_for("inspections.show", plan_id=plan_id))


@bp.post("/<int:plan_id>/seed")
@login_required
def seed(plan_id: int):
    value = (request.form.get("public_value") or "")[:recording.PUBLIC_VALUE_MAX + 1]
    source = (request.form.get("public_value_source") or "")[:300]
    return _act(plan_id, lambda s: recording.fix_seed(s, _runtime(), plan_id, value, source, current_user.username),
                _("已登记公开随机值，随机种子已确定"))


@bp.post("/<int:plan_id>/draw")
@login_required
def draw(plan_id: int):
    return _act(plan_id, lambda s: recording.run_draw(s, _runtime(), plan_id, current_user.username),
                _("已完成抽取，检查任务已派发"))


@bp.post("/<int:plan_id>/publish")
@login_required
def publish(plan_id: int):
    return _act(plan_id, lambda s: results.publish(s, _runtime(), plan_id, current_user.username),
                _("已公示抽查结果"))


@bp.get("/notice/<int:inspection_id>.pdf")
@login_required
def notice_pdf(inspection_id: int):
    with _runtime().db.read() as s:
        row = s.get(Inspection, inspection_id)
        if row is None or not scopes.reads_inspection(current_user, row.inspector_ids) or not row.notice:
            abort(404)
        context = inspection_papers.notice_context(s, inspection_id)
    pdf = inspection_papers.render(context).pdf
    return pdf, 200, {"Content-Type": "application/pdf",
                      "Content-Disposition": f"inline; filename=inspection-notice-{inspection_id}.pdf"}


@bp.get("/evidence/<int:attachment_id>")
@login_required
def evidence_file(attachment_id: int):
    """An inspection's evidence file (staff-only: the public results never show it), for those
    who read the inspection (its inspectors, the supervision section); 404 for anyone else."""
    with _runtime().db.read() as s:
        row = s.get(Attachment, attachment_id)
        inspection = s.get(Inspection, row.inspection_id) if row is not None and row.inspection_id else None
        if inspection is None or row.removed_at is not None \
                or not scopes.reads_inspection(current_user, inspection.inspector_ids):
            abort(404)
    return send_attachment(row)
