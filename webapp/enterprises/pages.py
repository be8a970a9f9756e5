"""The register's pages: the list and an enterprise's page (supervisors within their grid subtree,
administrators), adding, editing and importing (administrators only), proposing for the positive
list and asking for its review (the supervision section), and intake's suggestions (JSON: name,
code, address — never contacts). Scopes are engine/org/scopes.py's; outside them the answer is 404."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from engine.cases.masking import readable_case
from engine.core.errors import AdminError
from engine.enterprises import history as enterprise_history
from engine.enterprises import linking, positive_list, register, register_import
from engine.models import Grid, Task
from engine.models.enterprise import Enterprise, EnterpriseImport
from engine.org import scopes
from engine.vocabulary import events
from engine.vocabulary.words import (
    ENFORCEMENT_STEPS,
    INSPECTION_RESULTS,
    LISTING_STATUSES,
    SUPERVISION_CLASSES,
)
from webapp.enterprises.wording import FIELDS, describe, field_name
from webapp.paging import requested_page
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")
PAGE = 50


def _require(allowed: bool) -> None:
    if not current_user.is_authenticated:
        abort(401)
    if not allowed:
        abort(403)


def _scoped(session, enterprise_id: int) -> Enterprise:
    found = session.scalars(select(Enterprise).where(Enterprise.id == enterprise_id,
                                                     scopes.enterprise_scope(current_user, Enterprise))).first()
    if found is None:
        abort(404)
    return found


def _words(problems: dict) -> dict[str, list[str]]:
    return {name: [describe(p) for p in found] for name, found in problems.items()}


def _common() -> dict:
    return dict(classes=SUPERVISION_CLASSES, statuses=LISTING_STATUSES, field_name=field_name, describe=describe,
                inspection_results=INSPECTION_RESULTS, enforcement_steps=ENFORCEMENT_STEPS)


@bp.get("")
@login_required
def index():
    _require(scopes.reads_enterprises(current_user))
    q = (request.args.get("q") or "").strip()[:100]
    page = requested_page()
    with _runtime().db.read() as s:
        query = select(Enterprise).where(scopes.enterprise_scope(current_user, Enterprise))
        if q:
            query = query.where(Enterprise.name.icontains(q, autoescape=True)
                                | Enterprise.credit_code.icontains(q, autoescape=True))
        total = s.scalar(select(func.count()).select_from(query.subquery()))
        rows = list(s.scalars(query.order_by(Enterprise.name, Enterprise.id).offset((page - 1) * PAGE).limit(PAGE)))
        today = _runtime().now().astimezone(ZoneInfo(_runtime().timezone)).date()
        listed = positive_list.listed_among(s, [e.id for e in rows], today, _runtime().timezone)
    return render_template("enterprises/index.html", rows=rows, q=q, total=total, page=page, pages=-(-total // PAGE),
                           listed=listed, edits=scopes.edits_enterprises(current_user), **_common())


@bp.get("/<int:enterprise_id>")
@login_required
def show(enterprise_id: int):
    _require(scopes.reads_enterprises(current_user))
    with _runtime().db.read() as s:
        enterprise = _scoped(s, enterprise_id)
        grid = s.get(Grid, enterprise.grid_id)
        stations = register.stations_of(s, enterprise.id)
        found = enterprise_history.history(s, enterprise.id, scopes.case_scope(current_user))
        complaints = [readable_case(c, current_user.sees_identity) for c in found.complaints]
        alarms = [readable_case(c, current_user.sees_identity) for c in found.alarms]
        open_listing = positive_list.open_listing(s, enterprise.id)
        points = register.patrol_point_choices(s, enterprise) if scopes.edits_enterprises(current_user) else []
    trails = {listing_id: [(e, events.render(e.kind, events.STAFF, gettext, detail=e.detail) or "") for e in trail]
              for listing_id, trail in found.events.items()}
    return render_template("enterprises/show.html", enterprise=enterprise, grid=grid, stations=stations,
                           history=found, complaints=complaints, alarms=alarms, trails=trails,
                           open_listing=open_listing, edits=scopes.edits_enterprises(current_user), points=points,
                           proposes=scopes.in_supervision_section(current_user), **_common())


def _form(enterprise_id: int | None):
    _require(scopes.edits_enterprises(current_user))
    runtime = _runtime()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.form.get(name, "") for name in FIELDS}
        try:
            with transaction() as s:
                saved = register.save(s, values, current_user.username, runtime.now(), enterprise_id)
                saved_id = saved.id
        except AdminError as err:
            errors = _words(err.problems)
        else:
            flash(_("已保存"), "info")
            return redirect(url_for("enterprises.show", enterprise_id=saved_id))
    else:
        values = {name: "" for name in FIELDS}
        if enterprise_id is not None:
            with runtime.db.read() as s:
                enterprise = s.get(Enterprise, enterprise_id) or abort(404)
                values = register.form_values(enterprise, register.stations_of(s, enterprise.id),
                                              s.get(Grid, enterprise.grid_id).code)
    return render_template("enterprises/form.html", values=values, errors=errors, enterprise_id=enterprise_id,
                           **_common()), 422 if errors else 200


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    return _form(None)


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@login_required
def edit(enterprise_id: int):
    return _form(enterprise_id)


@bp.post("/<int:enterprise_id>/patrol-point")
@login_required
def attach_point(enterprise_id: int):
    _require(scopes.edits_enterprises(current_user))
    raw = request.form.get("point_id") or ""
    try:
        with transaction() as s:
            register.attach_patrol_point(s, enterprise_id, int(raw) if raw.isdigit() else 0, current_user.username,
                                         _runtime().now())
    except AdminError as err:
        for found in err.problems.values():
            for p in found:
                flash(describe(p), "error")
    else:
        flash(_("已关联巡查点"), "info")
    return redirect(url_for("enterprises.show", enterprise_id=enterprise_id))


# ---------------------------------------------------------------------------- import


def _import_page(upload: EnterpriseImport | None = None, plan=None, refused: AdminError | None = None):
    return render_template("enterprises/import.html", upload=upload, plan=plan, refused=refused,
                           limits=(register_import.MAX_BYTES // (1024 * 1024), register_import.MAX_ROWS), **_common())


@bp.get("/import/sample.csv")
@login_required
def import_sample():
    _require(scopes.edits_enterprises(current_user))
    return register_import.sample_csv(), 200, {"Content-Type": "text/csv; charset=utf-8",
                                               "Content-Disposition": "attachment; filename=enterprises.csv"}


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload():
    _require(scopes.edits_enterprises(current_user))
    if request.method == "GET":
        return _import_page()
    upload = request.files.get("file")
    raw = upload.read(register_import.MAX_BYTES + 1) if upload else b""
    if not raw:
        flash(_("请选择文件"), "error")
        return _import_page(), 422
    with transaction() as s:
        import_id = register_import.store_upload(s, upload.filename, raw, current_user.username, _runtime().now()).id
    return redirect(url_for("enterprises.import_preview", import_id=import_id))


@bp.get("/import/<int:import_id>")
@login_required
def import_preview(import_id: int, status: int = 200, refused: AdminError | None = None):
    _require(scopes.edits_enterprises(current_user))
    with _runtime().db.read() as s:
        upload = s.get(EnterpriseImport, import_id) or abort(404)
        plan = register_import.preview(s, upload.content)
    return _import_page(upload, plan, refused), status


@bp.post("/import/<int:import_id>/apply")
@login_required
def import_apply(import_id: int):
    _require(scopes.edits_enterprises(current_user))
    try:
        with transaction() as s:
            upload = s.get(EnterpriseImport, import_id, with_for_update=True) or abort(404)
            if upload.status != "applied":
                plan = register_import.apply_upload(s, upload, current_user.username, _runtime().now())
                flash(_("已导入：新增 %(c)s 家，修改 %(u)s 家", c=plan.count("create"), u=plan.count("update")), "info")
    except register_import.ImportRefused as err:
        return import_preview(import_id, 422, err)
    return redirect(url_for("enterprises.import_preview", import_id=import_id))


# ---------------------------------------------------------------------------- the positive list


@bp.post("/<int:enterprise_id>/propose")
@login_required
def propose(enterprise_id: int):
    _require(scopes.in_supervision_section(current_user))
    runtime = _runtime()
    try:
        with transaction() as s:
            _scoped(s, enterprise_id)
            listing = positive_list.propose(s, runtime, enterprise_id, current_user.id, current_user.username,
                                            current_user.tier)
            task_id = _first_task(s, listing.instance_id)
    except AdminError as err:
        for found in err.problems.values():
            for p in found:
                flash(describe(p), "error")
        return redirect(url_for("enterprises.show", enterprise_id=enterprise_id))
    return redirect(url_for("tasks.show", task_id=task_id) if task_id else
                    url_for("enterprises.show", enterprise_id=enterprise_id))


def _first_task(session, instance_id: int) -> str | None:
    return session.scalar(select(Task.id).where(Task.instance_id == instance_id, Task.state == "ready").limit(1))


@bp.post("/<int:enterprise_id>/review")
@login_required
def request_review(enterprise_id: int):
    _require(scopes.in_supervision_section(current_user))
    note = (request.form.get("note") or "").strip()[:500] or None
    with transaction() as s:
        _scoped(s, enterprise_id)
        asked = positive_list.request_review(s, _runtime(), enterprise_id, "manual", current_user.username, note=note)
    flash(_("已启动正面清单复核") if asked else _("该企业不在正面清单内"), "info" if asked else "error")
    return redirect(url_for("enterprises.show", enterprise_id=enterprise_id))


# ---------------------------------------------------------------------------- intake


@bp.get("/suggest")
@login_required
def suggest():
    _require(scopes.suggests_enterprises(current_user))
    args = {key: (request.args.get(key) or "").strip()[:300] or None for key in ("name", "address", "station_code")}
    with _runtime().db.read() as s:
        found = linking.suggest(s, **args)
    return jsonify([{"id": x.id, "name": x.name, "credit_code": x.credit_code, "address": x.address, "why": x.why}
                    for x in found])
