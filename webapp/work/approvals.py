"""The department lead's approval queue: closure reviews and extension requests, plus recent
returns (退单) of the department's cases for information."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from engine.models import Department
from engine.work.inbox import approval_kinds, approval_queue, recent_returns
from webapp.access import case_scope, roles_required, task_scope
from webapp.labels import task_title
from webapp.paging import requested_page
from webapp.runtime import current_runtime as _runtime
from webapp.work.inbox import lang, template_helpers

bp = Blueprint("approvals", __name__)
RETURNS_SHOWN_DAYS = 30


@bp.get("/approvals")
@roles_required("lead")
def index():
    runtime = _runtime()
    kind = request.args.get("kind") or None
    page_no = requested_page()
    now = runtime.now()
    with runtime.db.read() as session:
        queue = approval_queue(session, task_scope(current_user), kind=kind, page=page_no, now=now,
                               tz=runtime.timezone)
        kinds = {k.spec: task_title(k, lang()) for k in approval_kinds(session)}
        code = session.scalar(select(Department.code).where(Department.id == current_user.department_id)) \
            if current_user.department_id else None
        departments = dict(session.execute(select(Department.code, Department.name)).all())
        returns = recent_returns(session, department_id=current_user.department_id, department_code=code,
                                 visible=case_scope(current_user), since=now - timedelta(days=RETURNS_SHOWN_DAYS))
    kind = kind if kind in queue.counts else None
    return render_template("approvals.html", queue=queue, kind=kind, kinds=kinds, returns=returns,
                           departments=departments, days=RETURNS_SHOWN_DAYS, **template_helpers())
