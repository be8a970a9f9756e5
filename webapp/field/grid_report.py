"""A grid officer reports a problem found on patrol (channel 网格员上报) from the phone, in one
screen: category, photos from the camera, the position (the phone's, or a village picked from the
grid), a short description.

The case is registered like any other (engine/cases/intake.register_case) with channel ``grid``;
the complaint diagram accepts it on arrival and, when the routing table names a department,
assigns it there (workflows/bpmn/complaint.bpmn: gw_channel, gw_routed). The photos pass the one
upload check (engine/cases/attachments.py) and are stored in the same transaction. The form's
submission token (webapp/submissions.py) makes a resend (the browser's offline draft sent again,
webapp/static/grid_report.js) answer with the case already registered.

Who: a handler posted to a grid (engine/org/seed.py ``gridofficer``); anyone else gets 404.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.cases.attachments import MAX_FILES_PER_CASE, AttachmentRejected, check_uploads, store_attachments
from engine.cases.intake import register_case
from engine.core.errors import FormInvalid
from engine.models import Grid
from engine.org.places import villages_by_area
from webapp.cases.attachments import read_uploads, rejection_message
from webapp.cases.intake import translated_errors
from webapp.files import attachments_root
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction
from webapp.security_headers import locating_page
from webapp.submissions import new_token, submission_key, submitted_before

bp = Blueprint("field", __name__)

FIELDS = ("category", "description", "latitude", "longitude", "grid_code")
DESCRIPTION_MAX = 2000
TITLE_CHARS = 30


def _officer_grid() -> Grid:
    """The signed-in person's grid, if they are a grid officer (a handler posted to a grid)."""
    if not current_user.grid_officer:
        abort(404)
    with _runtime().db.read() as session:
        grid = session.scalars(select(Grid).where(Grid.path == current_user.grid_path)).first()
    if grid is None:
        abort(404)
    return grid


def _data(values: dict, grid: Grid) -> tuple[dict, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    data: dict = {"channel": "grid", "subject_type": "other", "category": values["category"],
                  "description": values["description"], "grid_code": values["grid_code"] or grid.code}
    if not values["description"]:
        errors["description"] = [_("请简要描述发现的问题")]
    elif len(values["description"]) > DESCRIPTION_MAX:
        errors["description"] = [_("描述不能超过 %(n)s 字", n=DESCRIPTION_MAX)]
    lat, lon = values["latitude"], values["longitude"]
    if bool(lat) != bool(lon):
        errors["position"] = [_("位置需同时有纬度和经度；无法定位时请在下方选择村（社区）")]
    elif lat:
        try:
            data["latitude"], data["longitude"] = float(lat), float(lon)
        except ValueError:
            errors["position"] = [_("位置不是有效的数字")]
        else:
            if not (-90 <= data["latitude"] <= 90 and -180 <= data["longitude"] <= 180):
                errors["position"] = [_("位置超出范围：纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间")]
    # Short title for lists and documents: the category and the description's start.
    data["title"] = values["description"][:TITLE_CHARS] or _("网格员上报")
    return data, errors


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


def _answer_errors(values: dict, errors: dict, status: int = 400):
    if _wants_json():
        return jsonify(ok=False, errors=errors), status
    return _render(values, errors, status)


def _render(values: dict, errors: dict, status: int = 200):
    with _runtime().db.read() as session:
        groups = villages_by_area(session)
    return render_template("field_report.html", values=values, errors=errors, village_groups=groups,
                           submission_token=new_token(), max_files=MAX_FILES_PER_CASE), status


def _done(case, again: bool = False):
    message = _("已上报 %(number)s，已受理并按规则分派", number=case.number) if not again else \
        _("这份上报已经提交过，没有重复登记：%(number)s", number=case.number)
    target = url_for("field.report")
    flash(message, "info")  # shown on the next page, where the script goes too
    if _wants_json():
        return jsonify(ok=True, number=case.number, message=message, next=target)
    return redirect(target)


@bp.route("/field/report", methods=["GET", "POST"])
@locating_page  # the phone's position (webapp/static/grid_report.js)
@login_required
def report():
    grid = _officer_grid()
    if request.method == "GET":
        return _render({name: "" for name in FIELDS}, {})
    key = submission_key(request.form)
    earlier = submitted_before(key)
    if earlier is not None:
        return _done(earlier, again=True)
    values = {name: (request.form.get(name) or "").strip() for name in FIELDS}
    data, errors = _data(values, grid)
    try:
        files = check_uploads(read_uploads("photos"))
    except AttachmentRejected as err:
        errors["photos"] = [rejection_message(err)]
    if errors:
        return _answer_errors(values, errors)
    runtime = _runtime()
    try:
        with transaction() as session:
            case = register_case(session, runtime, data, current_user.username, created_by_id=current_user.id,
                                 submission_key=key)
            store_attachments(session, runtime, case.id, files, root=attachments_root(), actor=current_user.username,
                              visibility="internal")
    except FormInvalid as err:
        found = translated_errors(err.errors)
        if "latitude" in found or "longitude" in found:
            found["position"] = [_("位置超出范围：纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间")]
        return _answer_errors(values, found)
    except IntegrityError:
        earlier = submitted_before(key)  # the same draft sent twice at once: the other post registered it
        if earlier is None:
            raise
        return _done(earlier, again=True)
    return _done(case)
