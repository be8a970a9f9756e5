"""Case list (案件查询), the case page with its timeline, and attachment downloads."""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import and_, select
from werkzeug.routing import BuildError

from engine.cases.attachments import (
    REMOVAL_REASON_MAX,
    RemovalRefused,
    get_attachment,
    list_attachments,
    remove_attachment,
)
from engine.cases.masking import complainant, readable_case, staff_redactor, visible_details
from engine.cases.read_model import CaseFilters, load_case_file, search_cases
from engine.measures import DrillDown
from engine.measures.slices import labels as slice_labels
from engine.models import Task
from engine.org.places import town_choices, town_code
from engine.rectification.items import list_items
from webapp.access import (
    attachment_removal_scope,
    case_scope,
    may_remove_attachments,
    roles_required,
    task_scope,
    visible_case,
)
from webapp.cases.attachments import send_attachment
from webapp.labels import CATEGORIES, CHANNELS, COLOURS, STAGES, STATUSES
from webapp.paging import requested_page
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("cases", __name__)

PER_PAGE = 25
REMOVAL_REFUSED = {
    "reason_required": (_l("请填写移除原因"), 400),
    "reason_too_long": (_l("移除原因过长，请精简"), 400),
    "already_removed": (_l("该附件已被移除"), 409),
}


def task_link(task_id: str) -> str | None:
    """The task page, when the tasks blueprint is installed."""
    if "tasks.show" not in current_app.view_functions:
        return None
    try:
        return url_for("tasks.show", task_id=task_id)
    except BuildError:
        return None


@bp.get("/cases")
@login_required
def index():
    args = request.args
    allowed = {"status": STATUSES, "stage": STAGES, "colour": COLOURS, "category": CATEGORIES, "channel": CHANNELS}
    # Unknown filter values are dropped rather than matching nothing without saying why.
    chosen = {key: args.get(key, "") if args.get(key, "") in names else "" for key, names in allowed.items()}
    filters = CaseFilters(q=args.get("q", "")[:200], town=args.get("town", "")[:64], **chosen)
    # A statistic's figure links here with the cases behind it (engine/measures/drilldown.py);
    # malformed arguments are a 400 naming them.
    drill = DrillDown.from_args(args)
    with _runtime().db.read() as session:
        scope = case_scope(current_user)
        if drill is not None:
            # Within the person's own case scope: a link never lists more than they may see.
            scope = and_(*drill.conditions(session, scope=scope, tz=_runtime().timezone))
            drill_slice = slice_labels(session, drill.by, [drill.key])[drill.key] if drill.by else None
        page = search_cases(session, scope, filters, requested_page(), PER_PAGE)
        page = replace(page, items=[readable_case(case, current_user.sees_identity) for case in page.items])
        towns = town_choices(session)
    query = {k: v for k, v in {**chosen, "q": filters.q, "town": filters.town}.items() if v}
    if drill is not None:
        query.update(drill.as_args())
    return render_template("cases.html", page=page, filters=filters, towns=towns, town_names=dict(towns),
                           town_code=town_code, query=query, drill=drill,
                           drill_slice=drill_slice if drill is not None else None)


@bp.get("/cases/<int:case_id>")
@login_required
def show(case_id: int):
    return _show(case_id)


def _show(case_id: int, removal: dict | None = None, status: int = 200):
    """The case page; ``removal`` re-opens a refused removal form with its message."""
    lang = str(get_locale())
    with _runtime().db.read() as session:
        case = visible_case(session, current_user, case_id)
        redact = staff_redactor(case, current_user.sees_identity)
        casefile = load_case_file(session, case, scope=case_scope(current_user), lang=lang, redact=redact)
        workable = set(session.scalars(select(Task.id).where(Task.case_id == case.id, Task.state == "ready",
                                                             task_scope(current_user))))
        # Removed files stay on record; only an administrator is shown them.
        removed = list_attachments(session, case.id, removed=True) if current_user.is_admin else []
        rectification = list_items(session, case.id)
    links = {h.task.id: task_link(h.task.id) for h in casefile.holders if h.task.id in workable}
    return render_template("case.html", file=casefile, case=readable_case(case, current_user.sees_identity),
                           complainant=complainant(case, current_user.sees_identity),
                           details=visible_details(case.details, current_user.sees_identity), task_links=links,
                           may_remove=may_remove_attachments(current_user, case), removed_attachments=removed,
                           removal=removal or {}, reason_max=REMOVAL_REASON_MAX,
                           rectification=rectification), status


@bp.get("/cases/<int:case_id>/attachments/<int:attachment_id>")
@login_required
def attachment(case_id: int, attachment_id: int):
    with _runtime().db.read() as session:
        visible_case(session, current_user, case_id)
        # A removed file answers 404 to everyone but an administrator, who may inspect the record.
        row = get_attachment(session, case_id, attachment_id, include_removed=current_user.is_admin)
    if row is None:
        abort(404)
    return send_attachment(row)


@bp.post("/cases/<int:case_id>/attachments/<int:attachment_id>/remove")
@roles_required("intake", "supervisor")
def remove(case_id: int, attachment_id: int):
    """Take a wrongly attached file off the case (kept for the record, audited with the reason).
    A case outside the person's intake / supervisor scope answers 404 (engine.core.errors.NotFound)."""
    reason = request.form.get("reason", "")
    try:
        with transaction() as session:
            row = remove_attachment(session, _runtime(), case_id, attachment_id, actor=current_user.username,
                                    reason=reason, scope=attachment_removal_scope(current_user))
    except RemovalRefused as err:
        message, status = REMOVAL_REFUSED.get(err.code, (str(err), 400))
        return _show(case_id, {"id": attachment_id, "error": str(message), "reason": reason[:REMOVAL_REASON_MAX]},
                     status)
    flash(_("已移除附件“%(name)s”，文件已留档备查", name=row.filename), "info")
    return redirect(url_for("cases.show", case_id=case_id) + "#h-attachments", 303)
