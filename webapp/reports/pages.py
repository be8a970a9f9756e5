"""统计报告: issued reports, newest first, each downloadable as its numbered PDF (rendered on first
download if the worker has not yet) and the Excel ledger filed with it; and issuing a report by
hand — a period the schedule missed, or the next revision of one issued (docs/reports.md).

Who may read them is one rule, engine/org/scopes.reads_reports; to anyone else every page here
answers 404, so a guessed address reveals nothing.
"""
from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.measures.periods import Period
from engine.org.scopes import reads_reports
from engine.reports.issue import reissue_report
from engine.reports.listing import get_report, list_reports
from engine.reports.schedule import KINDS, PERIOD_KIND
from engine.reports.storage import ensure_rendered, mark_failed, stored_file
from engine.vocabulary.document_kinds import REPORT_KINDS
from webapp.downloads import send_download
from webapp.files import documents_root
from webapp.paging import requested_page
from webapp.runtime import current_runtime, transaction

bp = Blueprint("reports", __name__)
log = logging.getLogger(__name__)
PER_PAGE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _reader() -> None:
    if not reads_reports(current_user):
        abort(404)


@bp.get("/reports")
@login_required
def index():
    _reader()
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    page = requested_page()
    with current_runtime().db.read() as session:
        rows, total = list_reports(session, kind=kind, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("reports/index.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           kind=kind, kinds=KINDS)


def _period_asked() -> Period | None:
    """The period of the issue form (a kind and any date inside the period), if it is over."""
    kind = request.form.get("kind")
    try:
        day = date.fromisoformat(request.form.get("day") or "")
    except ValueError:
        return None
    if kind not in KINDS:
        return None
    runtime = current_runtime()
    period = Period.preset(PERIOD_KIND[kind], day)
    today = runtime.now().astimezone(ZoneInfo(runtime.timezone)).date()
    return period if period.end < today else None


@bp.post("/reports/issue")
@login_required
def issue():
    """Issue a report by hand (CSRF-checked like every form; audited as report_issued or
    report_reissued by engine/reports/issue.py)."""
    _reader()
    period = _period_asked()
    if period is None:
        flash(_("请选择报告种类和一个已经结束的统计期间"), "error")
        return redirect(url_for("reports.index"))
    with transaction() as session:
        row = reissue_report(session, current_runtime(), period, actor=current_user.username)
        found = (row.id, row.number, row.revision) if row is not None else None
    if found is None:
        flash(_("同一期间的报告刚由他人印发，请查看列表"), "error")
        return redirect(url_for("reports.index"))
    report_id, number, revision = found
    if revision == 1:
        flash(_("已印发 %(number)s", number=number), "info")
    else:
        flash(_("已重新印发 %(number)s（第 %(n)s 版）", number=number, n=revision), "info")
    return redirect(url_for("reports.index", _anchor=f"report-{report_id}"))


def _report_or_404(report_id: int):
    _reader()
    with current_runtime().db.read() as session:
        row = get_report(session, report_id)
    if row is None:
        abort(404)
    return row


def _inside_or_404(relative: str | None, report_id: int) -> str | None:
    """The stored file's key, or 404 when the row points outside the reports folder (a row edited by
    hand must not make this page serve any other file)."""
    if relative is None:
        return None
    try:
        return stored_file(relative, report_id)
    except ValueError:
        log.error("report %s points outside the reports folder: %r", report_id, relative)
        abort(404)


def _name(row, suffix: str) -> tuple[str, str]:
    title = REPORT_KINDS[row.kind]["zh"]
    return f"{title}-{row.number}{suffix}", f"{row.kind}-report-{row.period_start.isoformat()}{suffix}"


@bp.get("/reports/<int:report_id>.pdf")
@login_required
def pdf(report_id: int):
    row = _report_or_404(report_id)
    runtime = current_runtime()
    _inside_or_404(row.stored_path if row.status == "rendered" else None, row.id)
    try:
        row = ensure_rendered(runtime, row.id, documents_dir=documents_root())
    except Exception as err:  # a message and the list, not a bare 500
        log.exception("rendering report %s failed", row.id)
        mark_failed(runtime, row.id, err)
        flash(_("报告生成失败，请稍后重试或联系管理员"), "error")
        return redirect(url_for("reports.index"))
    name, fallback = _name(row, ".pdf")
    response = send_download(documents_root(), stored_file(row.stored_path, row.id), mimetype="application/pdf",
                             name=name, fallback=fallback)
    response.headers["X-Document-SHA256"] = row.sha256 or ""
    return response


@bp.get("/reports/<int:report_id>.xlsx")
@login_required
def ledger(report_id: int):
    row = _report_or_404(report_id)
    if not row.ledger_path:
        abort(404)
    key = _inside_or_404(row.ledger_path, row.id)
    name, fallback = _name(row, ".xlsx")
    return send_download(documents_root(), key, mimetype=XLSX, name=name.replace(".xlsx", "-四色台账.xlsx"),
                         fallback=fallback.replace(".xlsx", "-ledger.xlsx"))
