"""四色台账: the ledger page (filters, table, paging), export requests, their progress and the
finished file. Supervisors, leaders (supervisors of tier 4), department leads and
administrators; each sees the cases of their scope (engine/org/scopes.py), and an export is
built within the scope of whoever asked for it and downloaded only by them (404 for anyone else)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from engine.ledger.exports import MIME, file_name, own_export, purge_old, request_export
from engine.ledger.filters import LedgerFilters, LedgerInputError, month_of, parse_period
from engine.ledger.pdf import PDF_ROW_CAP
from engine.ledger.rows import LedgerScope, ledger_page
from engine.models import Department
from engine.models.ledger import EXPORT_FORMATS
from engine.org.places import town_choices
from engine.org.scopes import STATISTICS_ROLES
from engine.vocabulary import words as vocabulary
from webapp.access import roles_required
from webapp.downloads import send_download
from webapp.ledger.runner import export_folder, start
from webapp.paging import requested_page
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("ledger", __name__)
# The vocabularies the page shows (webapp/labels.LABELS holds the same, as lazy labels).
WORDS = {"colour": vocabulary.COLOURS, "stage": vocabulary.STAGES, "tier": vocabulary.TIERS,
         "category": vocabulary.CATEGORIES, "channel": vocabulary.CHANNELS, "status": vocabulary.STATUSES,
         "satisfaction": vocabulary.SATISFACTION}
READERS = STATISTICS_ROLES  # who has figures has the ledger behind them
PROBLEMS = {"date": _l("日期格式应为 YYYY-MM-DD"), "order": _l("结束日期早于开始日期"),
            "too_long": _l("期间过长"), "unknown": _l("无此选项")}


def _choices(session):
    departments = [tuple(row) for row in session.execute(select(Department.code, Department.name).order_by(Department.id))]
    return departments, town_choices(session, current_user.grid_path or "/")


def _today():
    runtime = _runtime()
    return runtime.clock.now().astimezone(ZoneInfo(runtime.timezone)).date()


def _read(args, session, departments, towns):
    """(period, filters, errors) from a query string or form; on errors the defaults, and the
    errors by field."""
    default = month_of(_today())
    errors = {}
    try:
        period = parse_period(args.get("start"), args.get("end"), default=default)
    except LedgerInputError as err:
        period, errors = default, dict(err.problems)
    try:
        filters = LedgerFilters.parse(args, departments=dict(departments), towns=dict(towns))
    except LedgerInputError as err:
        filters = LedgerFilters()
        errors.update(err.problems)
    return period, filters, {field: str(PROBLEMS[code]) for field, code in errors.items()}


def _query(period, filters: LedgerFilters) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat(),
            **{k: (1 if v is True else v) for k, v in filters.as_dict().items()}}


@bp.get("/ledger")
@roles_required(*READERS)
def index():
    runtime = _runtime()
    with runtime.db.read() as session:
        departments, towns = _choices(session)
        period, filters, errors = _read(request.args, session, departments, towns)
        page = ledger_page(session, period, filters, LedgerScope.of(current_user), tz=runtime.timezone,
                           page=requested_page())
    # The words of the codes the filters and rows show, translated once for the whole page through
    # the request's catalogue (a lazy label finds the catalogue again each time it is shown).
    catalogue = get_translations()
    words = {name: {code: catalogue.gettext(text) for code, text in table.items()} for name, table in WORDS.items()}
    return render_template("ledger/index.html", page=page, period=period, filters=filters, errors=errors, words=words,
                           departments=departments, towns=towns, query=_query(period, filters),
                           pdf_cap=PDF_ROW_CAP), 400 if errors else 200


@bp.post("/ledger/exports")
@roles_required(*READERS)
def export():
    fmt = request.form.get("format", "")
    if fmt not in EXPORT_FORMATS:
        abort(400)
    runtime = _runtime()
    with runtime.db.read() as session:
        departments, towns = _choices(session)
        period, filters, errors = _read(request.form, session, departments, towns)
    if errors:
        abort(400)
    with transaction() as session:
        # Yesterday's files go as today's are asked for: no job or file outlives a day.
        purge_old(session, export_folder(), runtime.clock.now())
        job = request_export(session, staff=current_user, fmt=fmt, period=period, filters=filters,
                             now=runtime.clock.now())
        export_id = job.id
    start(export_id)
    return redirect(url_for("ledger.progress", export_id=export_id), 303)


def _own(export_id: int):
    with _runtime().db.read() as session:
        job = own_export(session, export_id, current_user.id, _runtime().clock.now())
    if job is None:
        abort(404)
    return job


def _status(job) -> dict:
    total = job.total
    # 100 only once the file is there: a PDF's rows are all read before its layout starts.
    percent = 100 if job.state == "done" else min(99, int(job.written * 100 / total)) if total else 0
    return {"id": job.id, "state": job.state, "written": job.written, "total": total, "percent": percent,
            "download": url_for("ledger.download", export_id=job.id) if job.state == "done" else None,
            "error": job.error if job.state == "failed" else None}


@bp.get("/ledger/exports/<int:export_id>")
@roles_required(*READERS)
def progress(export_id: int):
    job = _own(export_id)
    name, _fallback = file_name(job)
    return render_template("ledger/export.html", job=job, status=_status(job), name=name)


@bp.get("/ledger/exports/<int:export_id>/status")
@roles_required(*READERS)
def status(export_id: int):
    response = jsonify(_status(_own(export_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ledger/exports/<int:export_id>/file")
@roles_required(*READERS)
def download(export_id: int):
    job = _own(export_id)
    if job.state != "done" or not job.stored_path:
        abort(404)
    name, fallback = file_name(job)
    return send_download(export_folder(), job.stored_path, mimetype=MIME[job.format], name=name, fallback=fallback)
