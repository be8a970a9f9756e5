"""The working calendar for administrators: a year as month grids, one button per day.

A day button toggles the day between working day and rest day (holiday on a weekday, make-up
workday 调休上班 on a weekend); the form below the grid sets a day with a note or back to the
shipped default. The change starts a calendar job (engine/calendar/jobs.py) that moves the
deadlines of running cases in batches; a background thread runs it (webapp/admin/calendar_runner.py)
and the page shows its progress.
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.calendar.admin import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarError,
    default_is_workday,
    set_day,
    set_year_entered,
    year_view,
)
from engine.calendar.jobs import latest_job
from engine.calendar.store import calendar_warnings, load_calendar
from webapp.access import roles_required
from webapp.admin import calendar_runner
from webapp.runtime import current_runtime, transaction

bp = Blueprint("admin_calendar", __name__, url_prefix="/admin/calendar")


def _year(value, fallback: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return fallback
    return year if FIRST_YEAR <= year <= LAST_YEAR else fallback


@bp.get("")
@roles_required("admin")
def index():
    runtime = current_runtime()
    today = runtime.now().astimezone(ZoneInfo(runtime.timezone)).date()
    year = _year(request.args.get("year"), today.year)
    with runtime.db.read() as session:
        view = year_view(session, runtime.timezone, year)
        warnings = calendar_warnings(session, runtime.timezone, runtime.now())
        job = latest_job(session)
    return render_template("admin/calendar_index.html", view=view, today=today, warnings=warnings,
                           first_year=FIRST_YEAR, last_year=LAST_YEAR, job=job)


def _report(day: date, change) -> None:
    what = _("工作日") if change.is_workday else _("休息日")
    if not change.changed:
        flash(_("%(day)s 已是%(what)s，说明已更新", day=day.isoformat(), what=what), "info")
    else:
        flash(_("已将 %(day)s 设为%(what)s；办理中案件的期限正在分批重新计算，进度见本页", day=day.isoformat(),
                what=what), "info")


def _back(year: int, day: date | None = None):
    return redirect(url_for("admin_calendar.index", year=year, _anchor=f"d-{day.isoformat()}" if day else None))


def _posted_day() -> date | None:
    try:
        return date.fromisoformat(request.form.get("day") or "")
    except ValueError:
        return None


@bp.post("/toggle")
@roles_required("admin")
def toggle():
    runtime = current_runtime()
    day = _posted_day()
    year = _year(request.form.get("year"), runtime.now().year)
    if day is None:
        flash(_("日期无效"), "error")
        return _back(year)
    with runtime.db.read() as session:
        now_workday = load_calendar(session, runtime.timezone).is_workday(day)
    return _set(runtime, day, not now_workday, year)


def _set(runtime, day, is_workday: bool, year: int, note: str | None = None):
    """Apply one day's change (open cases recomputed), report it, and go back to the year."""
    try:
        with transaction() as session:
            change = set_day(session, runtime, day, is_workday, current_user.username, note=note)
    except CalendarError as err:
        flash(str(err), "error")
        return _back(year)
    if change.job_id is not None:
        calendar_runner.start(change.job_id)
    _report(day, change)
    return _back(day.year, day)


@bp.post("/day")
@roles_required("admin")
def set_one():
    """Set a day explicitly, with a note (e.g. 国庆节 or 调休上班), or back to the default."""
    runtime = current_runtime()
    day = _posted_day()
    year = _year(request.form.get("year"), runtime.now().year)
    kind = request.form.get("kind")
    if day is None or kind not in ("rest", "work", "default"):
        flash(_("请选择日期和设置方式"), "error")
        return _back(year)
    is_workday = default_is_workday(day) if kind == "default" else kind == "work"
    note = None if kind == "default" else request.form.get("note")
    return _set(runtime, day, is_workday, year, note)


@bp.post("/year")
@roles_required("admin")
def year_entered():
    runtime = current_runtime()
    year = _year(request.form.get("year"), 0)
    if not year:
        flash(_("年份无效"), "error")
        return _back(runtime.now().year)
    entered = request.form.get("entered") == "1"
    with transaction() as session:
        set_year_entered(session, runtime, year, entered, current_user.username)
    flash(_("已标记 %(y)s 年节假日已完整录入", y=year) if entered else _("已取消 %(y)s 年的完整录入标记", y=year), "info")
    return _back(year)
