"""巡查 pages. A patrol outside the person's scope answers 404 (engine/org/scopes.py); the
check-in is the check-in task's own page (webapp/work/tasks.py sends its task here)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.cases.attachments import AttachmentRejected
from engine.core.errors import FormInvalid, NotFound
from engine.enforcement.start import from_patrol
from engine.enterprises.linking import link_patrol_case
from engine.models import PATROL_POINT_KINDS, Grid, Patrol, PatrolPoint, Task, User
from engine.org.scopes import may_read_patrols, patrol_scope
from engine.patrol import frequency, points
from engine.patrol.check_in import ANSWERS, patrol_of_task
from engine.patrol.check_in import check_in as record_check_in
from engine.patrol.ledger import GROUPINGS, ledger_rows, ledger_totals
from webapp.access import roles_required
from webapp.cases.attachments import read_uploads, rejection_message
from webapp.files import attachments_root
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction
from webapp.security_headers import locating_page
from webapp.work.inbox import lang

bp = Blueprint("patrol", __name__)
PHOTO_FIELD = "photos"


# ------------------------------------------------------------------ the grid officer


@bp.get("/patrol")
@login_required
@locating_page
def today():
    """The signed-in officer's open patrols, soonest due first."""
    runtime = _runtime()
    with runtime.db.read() as s:
        rows = s.execute(
            select(Patrol, PatrolPoint, Task.id).join(PatrolPoint, PatrolPoint.id == Patrol.point_id)
            .join(Task, (Task.instance_id == Patrol.instance_id) & (Task.state == "ready"))
            .where(Patrol.status == "open", Patrol.officer_id == current_user.id)
            .order_by(Patrol.due_at, PatrolPoint.name)).all()
    return render_template("patrol/today.html", rows=rows, now=runtime.now())


def _check_in_page(task_id: str, values: dict | None = None, errors: dict | None = None, status: int = 200):
    runtime = _runtime()
    with runtime.db.read() as s:
        task, patrol, point = patrol_of_task(s, task_id, current_user)
        grid = s.get(Grid, point.grid_id)
    return render_template("patrol/check_in.html", task=task, patrol=patrol, point=point, grid=grid,
                           values=values or {}, errors=errors or {}, answers=ANSWERS,
                           far_metres=_settings().far_metres), status


def _settings():
    with _runtime().db.read() as s:
        return frequency.load(s)


@bp.route("/patrol/check-in/<task_id>", methods=["GET", "POST"])
@login_required
@locating_page
def check_in(task_id: str):
    if request.method == "GET":
        return _check_in_page(task_id)
    f = request.form
    values = {k: f.get(k) for k in ("latitude", "longitude", "note", "problem_found", "problem_category",
                                    "problem_title", "problem_description", "violation_found")}
    values["answers"] = {key[len("answer-"):]: value for key, value in f.items() if key.startswith("answer-")}
    try:
        with transaction() as session:
            patrol = record_check_in(session, _runtime(), task_id, values, read_uploads(PHOTO_FIELD),
                                     staff=current_user, actor=current_user.username, root=attachments_root(),
                                     lang=lang())
            # A problem found at an enterprise's point is about that enterprise (engine/enterprises/linking.py).
            link_patrol_case(session, _runtime(), patrol.id, current_user.username)
            # A violation found on patrol is enforced (engine/enforcement/start.py), in the same
            # transaction: the case the problem report registered is the one enforced.
            if patrol.case_id and f.get("violation_found") == "on":
                from_patrol(session, _runtime(), patrol, actor=current_user.username,
                            violation=values.get("problem_description") or "")
    except FormInvalid as err:
        return _check_in_page(task_id, values, err.errors, 422)
    except AttachmentRejected as err:
        return _check_in_page(task_id, values, {PHOTO_FIELD: [rejection_message(err)]}, 422)
    message = _("已签到")
    if patrol.far:
        message = _("已签到，但位置距巡查点 %(m)s 米，已标记待核实", m=int(patrol.distance_m))
    flash(message, "warning" if patrol.far else "info")
    if patrol.case_id:
        flash(_("发现的问题已立案"), "info")
    return redirect(url_for("patrol.today"), 303)


# ------------------------------------------------------------------ the administrator


def _point_form(point: PatrolPoint | None, values: dict, errors: dict | None = None, status: int = 200):
    with _runtime().db.read() as s:
        officers = s.execute(select(User.username, User.display_name).where(User.active.is_(True), User.tier == 1)
                             .order_by(User.username)).all()
    return render_template("patrol/point_form.html", point=point, values=values, errors=errors or {},
                           kinds=PATROL_POINT_KINDS, officers=officers), status


def _values_of(point: PatrolPoint, grid_code: str, officer: str | None) -> dict:
    return {"name": point.name, "kind": point.kind, "grid_code": grid_code, "latitude": point.latitude,
            "longitude": point.longitude, "address": point.address or "", "checklist": "\n".join(point.checklist or []),
            "every_days": point.every_days or "", "officer": officer or "", "active": point.active}


@bp.get("/patrol/points")
@roles_required("admin")
def point_list():
    with _runtime().db.read() as s:
        rows = s.execute(select(PatrolPoint, Grid.name).join(Grid, Grid.id == PatrolPoint.grid_id)
                         .order_by(PatrolPoint.grid_path, PatrolPoint.name)).all()
    return render_template("patrol/points.html", rows=rows)


@bp.route("/patrol/points/new", methods=["GET", "POST"])
@roles_required("admin")
def point_new():
    if request.method == "GET":
        return _point_form(None, {"kind": "enterprise"})
    try:
        with transaction() as session:
            point = points.create_point(session, request.form.to_dict(), actor=current_user.username,
                                        now=_runtime().now())
            name = point.name
    except FormInvalid as err:
        return _point_form(None, request.form.to_dict(), err.errors, 422)
    flash(_("已添加巡查点：%(name)s", name=name), "info")
    return redirect(url_for("patrol.point_list"), 303)


@bp.route("/patrol/points/<int:point_id>", methods=["GET", "POST"])
@roles_required("admin")
def point_edit(point_id: int):
    runtime = _runtime()
    with runtime.db.read() as s:
        point = s.get(PatrolPoint, point_id)
        if point is None:
            abort(404)
        grid = s.get(Grid, point.grid_id)
        officer = s.get(User, point.officer_id) if point.officer_id else None
    if request.method == "GET":
        return _point_form(point, _values_of(point, grid.code, officer.username if officer else None))
    values = request.form.to_dict()
    values["active"] = "active" in request.form
    try:
        with transaction() as session:
            points.update_point(session, point_id, values, actor=current_user.username, now=runtime.now())
    except FormInvalid as err:
        return _point_form(point, values, err.errors, 422)
    flash(_("已保存巡查点"), "info")
    return redirect(url_for("patrol.point_list"), 303)


@bp.route("/patrol/settings", methods=["GET", "POST"])
@roles_required("admin")
def settings():
    current = _settings()
    if request.method == "GET":
        values = {**{f"every_{k}": v for k, v in current.every.items()}, "far_metres": current.far_metres}
        return render_template("patrol/settings.html", values=values, errors={}, levels=frequency.LEVELS)
    try:
        with transaction() as session:
            frequency.save(session, request.form.to_dict(), actor=current_user.username, now=_runtime().now())
    except FormInvalid as err:
        return render_template("patrol/settings.html", values=request.form.to_dict(), errors=err.errors,
                               levels=frequency.LEVELS), 422
    flash(_("已保存巡查频次"), "info")
    return redirect(url_for("patrol.settings"), 303)


# ------------------------------------------------------------------ supervisors


@bp.get("/patrol/ledger")
@login_required
def ledger():
    if not may_read_patrols(current_user):
        raise NotFound("ledger")
    by = request.args.get("by", "officer")
    if by not in GROUPINGS:
        by = "officer"
    runtime = _runtime()
    with runtime.db.read() as s:
        rows = ledger_rows(s, patrol_scope(current_user, Patrol), by, runtime.now())
    return render_template("patrol/ledger.html", rows=rows, total=ledger_totals(rows), by=by, groupings=GROUPINGS)
