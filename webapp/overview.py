"""Health check and a read-only overview of open cases, straight from the projections."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import func, select

from engine.calendar_store import calendar_warnings
from engine.models import Case, ProcessInstance, Task

bp = Blueprint("overview", __name__)


def _runtime():
    from . import runtime_of

    return runtime_of(current_app)


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
def index():
    runtime = _runtime()
    with runtime.db.read() as session:
        cases = list(session.scalars(
            select(Case).where(Case.status.not_in(("closed", "rejected", "transferred", "merged")))
            .order_by(Case.stage_due.asc().nulls_last()).limit(200)))
        counts = dict(session.execute(select(Case.colour, func.count()).group_by(Case.colour)).all())
        warnings = calendar_warnings(session, runtime.timezone, runtime.now())
    return render_template("overview.html", cases=cases, counts=counts, warnings=warnings, now=runtime.now())
