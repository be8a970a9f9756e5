"""Case list (案件查询), the case page with its timeline, and attachment downloads."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.routing import BuildError

from engine.cases.attachments import get_attachment
from engine.cases.masking import complainant, readable_case, staff_redactor, visible_details
from engine.cases.read_model import CaseFilters, load_case_file, search_cases
from engine.models import Task
from engine.org.places import town_choices, town_code
from webapp.access import case_scope, task_scope, visible_case
from webapp.cases.attachments import send_attachment
from webapp.labels import CATEGORIES, CHANNELS, COLOURS, STAGES, STATUSES
from webapp.runtime import current_runtime as _runtime

bp = Blueprint("cases", __name__)

PER_PAGE = 25


def task_link(task_id: str) -> str | None:
    """The task page, when the tasks blueprint is installed."""
    if "tasks.show" not in current_app.view_functions:
        return None
    try:
        return url_for("tasks.show", task_id=task_id)
    except BuildError:
        return None


def _int_arg(name: str, default: int = 1) -> int:
    try:
        return int(request.args.get(name, default))
    except ValueError:
        return default


@bp.get("/cases")
@login_required
def index():
    args = request.args
    allowed = {"status": STATUSES, "stage": STAGES, "colour": COLOURS, "category": CATEGORIES, "channel": CHANNELS}
    # Unknown filter values are dropped rather than matching nothing without saying why.
    chosen = {key: args.get(key, "") if args.get(key, "") in names else "" for key, names in allowed.items()}
    filters = CaseFilters(q=args.get("q", "")[:200], town=args.get("town", "")[:64], **chosen)
    with _runtime().db.read() as session:
        page = search_cases(session, case_scope(current_user), filters, _int_arg("page"), PER_PAGE)
        page = replace(page, items=[readable_case(case, current_user.sees_identity) for case in page.items])
        towns = town_choices(session)
    query = {k: v for k, v in {**chosen, "q": filters.q, "town": filters.town}.items() if v}
    return render_template("cases.html", page=page, filters=filters, towns=towns, town_names=dict(towns),
                           town_code=town_code, query=query)


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    lang = str(get_locale())
    with _runtime().db.read() as session:
        case = visible_case(session, current_user, case_id)
        redact = staff_redactor(case, current_user.sees_identity)
        casefile = load_case_file(session, case, scope=case_scope(current_user), lang=lang, redact=redact)
        workable = set(session.scalars(select(Task.id).where(Task.case_id == case.id, Task.state == "ready",
                                                             task_scope(current_user))))
    links = {h.task.id: task_link(h.task.id) for h in casefile.holders if h.task.id in workable}
    return render_template("case.html", file=casefile, case=readable_case(case, current_user.sees_identity),
                           complainant=complainant(case, current_user.sees_identity),
                           details=visible_details(case.details, current_user.sees_identity), task_links=links)


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int):
    with _runtime().db.read() as session:
        visible_case(session, current_user, case_id)
        row = get_attachment(session, case_id, attachment_id)
    if row is None:
        abort(404)
    return send_attachment(row)
