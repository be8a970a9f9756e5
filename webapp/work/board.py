"""The supervisors' four-colour board and what they do from it: supervise, reassign, own."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.core.errors import NotFound
from engine.models import CLOSED_STATUSES
from engine.org.places import town_choices
from engine.work import board as board_queries
from engine.work import board_actions as supervision
from webapp.access import case_scope, load_staff, roles_required, task_scope, visible_case
from webapp.paging import requested_page
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("board", __name__)

REFUSALS = {
    "note_required": _l("请填写督办意见"),
    "note_too_long": _l("督办意见过长，请精简"),
    "report_by_past": _l("报告期限不能早于今天"),
    "bad_date": _l("日期格式不正确"),
    "closed": _l("案件已办结，无需督办"),
    "not_ready": _l("该任务已办结或已取消，无法改派"),
    "not_eligible": _l("该人员无权办理此任务，未改派"),
    "not_leader": _l("只有局领导可以包案"),
    "not_owner": _l("只有包案领导本人可以取消包案"),
}
STATUS_OF = {"owned": 409, "closed": 409, "not_ready": 409, "not_leader": 403, "not_owner": 403}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def board_filters() -> board_queries.BoardFilters:
    """The board's filters from the query string (the map's form asks the same, webapp/map)."""
    return board_queries.BoardFilters.from_args(request.args, requested_page())


@bp.get("/board")
@roles_required("supervisor")
def index():
    runtime = _runtime()
    filters = board_filters()
    with runtime.db.read() as session:
        board = board_queries.load_board(session, case_scope(current_user), filters, runtime.now(),
                                         runtime.timezone)
        towns = town_choices(session, current_user.grid_path if not current_user.is_admin else "/")
        departments = board_queries.department_choices(session)
    return render_template("board.html", board=board, filters=filters, towns=towns, departments=departments,
                           stages=board_queries.STAGES)


def _page(case_id: int, error: str | None = None, status: int = 200, form: dict | None = None):
    with _runtime().db.read() as session:
        case = visible_case(session, current_user, case_id)
        panel = supervision.panel(session, case)
    return render_template("board_case.html", panel=panel, case=panel.case, error=error, form=form or {},
                           closed=case.status in CLOSED_STATUSES), status


@bp.get("/board/cases/<int:case_id>")
@roles_required("supervisor")
def case(case_id: int):
    return _page(case_id)


def _refused(case_id: int, err: supervision.SupervisionRefused, form: dict | None = None):
    if isinstance(err, supervision.OwnershipConflict):
        message = _("该案件已由 %(owner)s 包案，不能覆盖；请先由其本人取消包案", owner=err.owner)
    else:
        message = str(REFUSALS.get(err.code) or err)
    return _page(case_id, message, STATUS_OF.get(err.code, 400), form)


def _done(case_id: int, message: str):
    flash(message, "info")
    return redirect(url_for("board.case", case_id=case_id), 303)


@bp.post("/board/cases/<int:case_id>/supervise")
@roles_required("supervisor")
def supervise(case_id: int):
    form = {"note": request.form.get("note", ""), "report_by": request.form.get("report_by", "")}
    try:
        report_by = date.fromisoformat(form["report_by"]) if form["report_by"].strip() else None
    except ValueError:
        return _refused(case_id, supervision.SupervisionRefused("bad_date", "bad date"), form)
    try:
        with transaction() as session:
            supervision.supervise(session, _runtime(), case_id, actor=current_user.username,
                                  actor_tier=current_user.tier, note=form["note"], report_by=report_by,
                                  scope=case_scope(current_user))
    except supervision.SupervisionRefused as err:
        return _refused(case_id, err, form)
    return _done(case_id, _("已督办，已通知承办人员"))


def _may_work(session, user_id: int):
    staff = load_staff(session, user_id)
    return task_scope(staff) if staff is not None else None


@bp.post("/board/cases/<int:case_id>/reassign")
@roles_required("supervisor")
def reassign(case_id: int):
    raw = request.form.get("assignee", "")
    assignee_id = _int(raw)
    if raw and assignee_id is None:
        raise NotFound("no such person")
    try:
        with transaction() as session:
            task = supervision.reassign(session, _runtime(), case_id, request.form.get("task_id", ""),
                                        assignee_id, actor=current_user.username, actor_tier=current_user.tier,
                                        scope=case_scope(current_user), may_work=_may_work)
    except supervision.SupervisionRefused as err:
        return _refused(case_id, err)
    return _done(case_id, _("已改派") if task.assignee_id else _("已退回组内，由组内人员认领"))


def _ownership(case_id: int, change, done: str):
    """Take or give up the case as its 包案 leader (supervision.take_ownership / release_ownership)."""
    try:
        with transaction() as session:
            change(session, _runtime(), case_id, user_id=current_user.id, actor=current_user.username,
                   scope=case_scope(current_user))
    except supervision.SupervisionRefused as err:
        return _refused(case_id, err)
    return _done(case_id, done)


@bp.post("/board/cases/<int:case_id>/own")
@roles_required("supervisor")
def own(case_id: int):
    return _ownership(case_id, supervision.take_ownership, _("已包案"))


@bp.post("/board/cases/<int:case_id>/release")
@roles_required("supervisor")
def release(case_id: int):
    return _ownership(case_id, supervision.release_ownership, _("已取消包案"))
