"""The periodic reports' schedule (统计报告计划): when the daily, weekly and monthly reports are
issued, each on or off, and who is told. Saved as one audited setting (engine/reports/schedule.py);
the worker's job loop reads it on every round."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.reports import schedule as report_schedule
from engine.reports.schedule import KINDS, LAST_MONTH_DAY, RECIPIENTS, ScheduleInvalid
from webapp.access import roles_required
from webapp.runtime import current_runtime, transaction

bp = Blueprint("admin_reports", __name__, url_prefix="/admin/reports")


@bp.route("", methods=["GET", "POST"])
@roles_required("admin")
def schedule():
    runtime = current_runtime()
    error = None
    if request.method == "POST":
        try:
            new = report_schedule.parse_form(request.form)
        except ScheduleInvalid as err:
            error = err
            flash(str(err), "error")
        else:
            with transaction() as session:
                report_schedule.save(session, new, actor=current_user.username, now=runtime.now())
            flash(_("统计报告计划已保存"), "info")
            return redirect(url_for("admin_reports.schedule"))
    with runtime.db.read() as session:
        current = report_schedule.load(session)
        updated = report_schedule.updated(session)
    shown = _typed(request.form) if error else _stored(current)
    return render_template("admin/report_schedule.html", shown=shown, updated=updated, kinds=KINDS,
                           recipients=RECIPIENTS, last_day=LAST_MONTH_DAY, error=error), 400 if error else 200


def _stored(settings) -> dict:
    """The form's values from the saved schedule."""
    shown: dict = {"recipients": list(settings.recipients)}
    for kind in KINDS:
        s = settings.of(kind)
        shown[kind] = {"enabled": s.enabled, "at": s.at.strftime("%H:%M"), "weekday": str(s.weekday), "day": str(s.day)}
    return shown


def _typed(form) -> dict:
    """The form's values as the administrator typed them (shown again with the error)."""
    shown: dict = {"recipients": form.getlist("recipients")}
    for kind in KINDS:
        shown[kind] = {"enabled": form.get(f"{kind}_enabled") == "1", "at": form.get(f"{kind}_at", "")[:10],
                       "weekday": form.get("weekly_weekday", ""), "day": form.get("monthly_day", "")[:10]}
    return shown
