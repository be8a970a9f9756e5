"""Health check; "/", which takes each person to their role's home page (webapp/home/landing.py);
and the overview of open cases in the person's scope by colour."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from engine.calendar.store import calendar_warnings
from engine.models import CLOSED_STATUSES, Case, ProcessInstance, Task
from webapp.access import case_scope
from webapp.home.landing import home_endpoint
from webapp.runtime import current_runtime as _runtime

bp = Blueprint("overview", __name__)


@bp.get("/healthz")
def healthz():
    runtime = _runtime()
    with runtime.db.read() as session:
        open_tasks = session.scalar(select(func.count()).select_from(Task).where(Task.state == "ready"))
        errors = session.scalar(select(func.count()).select_from(ProcessInstance)
                                .where(ProcessInstance.status == "error"))
        warnings = calendar_warnings(session, runtime.timezone, runtime.now())
    return jsonify(status="ok", open_tasks=open_tasks, instances_in_error=errors,
                   calendar_warnings=warnings, now=runtime.now().isoformat())


@bp.get("/")
@login_required
def index():
    target = home_endpoint(current_user.roles, current_app.view_functions)
    return redirect(url_for(target)) if target else open_cases()


@bp.get("/overview")
@login_required
def open_cases():
    runtime = _runtime()
    scope = case_scope(current_user)
    with runtime.db.read() as session:
        open_cases = select(Case).where(scope, Case.status.not_in(CLOSED_STATUSES))
        cases = list(session.scalars(open_cases.order_by(Case.stage_due.asc().nulls_last()).limit(50)))
        counts = dict(session.execute(select(Case.colour, func.count()).where(scope, Case.status.not_in(CLOSED_STATUSES))
                                      .group_by(Case.colour)).all())
        warnings = calendar_warnings(session, runtime.timezone, runtime.now()) if current_user.is_admin else []
    return render_template("overview.html", cases=cases, counts=counts, warnings=warnings, now=runtime.now())
