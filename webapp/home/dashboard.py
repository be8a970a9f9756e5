"""The supervisors' and bureau leaders' dashboard: today's measures, the red cases in their scope
and their own tasks.

The measures are engine/measures' (never computed here); the red cases are the four-colour board's
query (engine/work/board.py) and the tasks the inbox's (engine/work/inbox.py), each with the
person's scope from engine/org/scopes.py.
"""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from engine.measures import DrillDown, Period, measure
from engine.work import board as board_queries
from engine.work.inbox import inbox_page
from webapp.access import case_scope, roles_required, statistics_scope, task_scope
from webapp.runtime import current_runtime as _runtime
from webapp.work.inbox import template_helpers

bp = Blueprint("home", __name__)
SHOWN = 10  # rows of each list; the board and the inbox have the rest
# The figures a supervisor checks each morning, for today and this month (engine/measures codes).
MEASURES = ("received", "accepted", "closed", "closure_rate", "on_time_rate", "overdue", "warning", "escalated",
            "satisfaction_rate")
PERIODS = ("day", "month")


@bp.get("/dashboard")
@roles_required("supervisor")
def dashboard():
    runtime = _runtime()
    now = runtime.now()
    with runtime.db.read() as session:
        board = board_queries.load_board(session, case_scope(current_user), board_queries.BoardFilters(colour="red"),
                                         now, runtime.timezone, per_page=SHOWN)
        tasks = inbox_page(session, task_scope(current_user), view="", user_id=current_user.id, now=now,
                           tz=runtime.timezone, page_size=SHOWN)
        periods = [Period.containing(now, kind, runtime.timezone) for kind in PERIODS]
        figures = [measure(session, period, scope=statistics_scope(current_user), tz=runtime.timezone).total
                   for period in periods]
    return render_template("dashboard.html", red=board.groups["red"], colour_counts=board.colour_counts,
                           tasks=tasks, measures=MEASURES, periods=list(zip(periods, figures, strict=True)),
                           drilldown=lambda period, code: DrillDown(period, code).as_args(), **template_helpers())
