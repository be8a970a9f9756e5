"""Registering a complaint (登记投诉) from the hotline, a visit or a letter, with the place picked
from the grid tree, attachments, and possible duplicates suggested while typing."""
from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from engine.cases.attachments import (
    MAX_FILE_BYTES,
    MAX_FILES_PER_CASE,
    AttachmentRejected,
    check_uploads,
    store_attachments,
)
from engine.cases.duplicates import merge_new_case, suggest_duplicates
from engine.cases.intake import IntakeSchema, register_case
from engine.core.errors import FormInvalid, GreenloopError
from engine.enterprises import linking
from engine.org.places import grid_children, grid_lineage, villages_by_area
from webapp.access import case_scope, roles_required, visible_case
from webapp.cases.attachments import read_uploads, rejection_message
from webapp.files import attachments_root
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction
from webapp.submissions import new_token, submission_key, submitted_before

bp = Blueprint("intake", __name__)
log = logging.getLogger(__name__)

TEXT_FIELDS = ("channel", "category", "subject_type", "title", "description", "address", "latitude", "longitude",
               "subject_enterprise", "complainant_name", "complainant_phone", "grid_code", "area", "town")
CHECKBOXES = ("complainant_anonymous", "urgent")
DUPLICATE_FIELDS = "category,grid_code,area,town,subject_enterprise,title,description"
DEFAULTS = {"channel": "hotline", "subject_type": "enterprise"}

# marshmallow speaks English; staff read these instead.
_MESSAGES = {
    "Missing data for required field.": _l("请填写此项"),
    "Not a valid number.": _l("请输入数字"),
    "Not a valid string.": _l("输入无效"),
    "Field may not be null.": _l("请填写此项"),
}
_PREFIXES = [
    ("Must be one of", _l("请从列表中选择")),
    ("Length must be", _l("长度超出允许范围")),
    ("Longer than maximum length", _l("长度超出允许范围")),
    ("Must be greater than or equal to", _l("数值超出有效范围")),
    ("实名投诉需填写", _l("实名投诉需填写姓名或电话，或勾选“匿名”")),
    ("网格 ", _l("所选地点不存在，请重新选择")),
]


def _message(field: str, text: str) -> str:
    if field == "complainant_phone" and "pattern" in text:
        return _("电话号码格式不正确：只能包含数字、空格和 + - ( )，5 到 32 位")
    if text in _MESSAGES:
        return str(_MESSAGES[text])
    for prefix, message in _PREFIXES:
        if text.startswith(prefix):
            return str(message)
    return text


def translated_errors(errors: dict) -> dict[str, list[str]]:
    """Intake-schema errors in the reader's language (the public portal uses the same schema)."""
    out: dict[str, list[str]] = {}
    for field, messages in errors.items():
        items = messages if isinstance(messages, list) else [messages]
        out[field] = [_message(field, str(m)) for m in items]
    return out


def _values(form) -> dict:
    values = {name: (form.get(name) or "").strip() for name in TEXT_FIELDS}
    values.update({name: bool(form.get(name)) for name in CHECKBOXES})
    return values


def _place(values: dict) -> str | None:
    # The three-select picker may stop at a work area or a town; the one-select picker names a village.
    return values.get("grid_code") or values.get("area") or values.get("town") or None


def _intake_data(values: dict) -> dict:
    # Empty inputs are left out, so a blank title says "required" rather than "too short".
    data = {name: values[name] for name in TEXT_FIELDS if name not in ("grid_code", "area", "town") and values[name]}
    data.update({name: values[name] for name in CHECKBOXES})
    data["grid_code"] = _place(values)
    return data


def _suggestions(values: dict):
    runtime = _runtime()
    with runtime.db.read() as session:
        return suggest_duplicates(session, category=values.get("category"), grid_code=_place(values),
                                  enterprise=values.get("subject_enterprise"),
                                  text=f"{values.get('title', '')} {values.get('description', '')}",
                                  now=runtime.now(), scope=case_scope(current_user))


def _enterprises(values: dict) -> list:
    """The register's enterprises the typed name or address suggests (engine/enterprises/linking.py)."""
    with _runtime().db.read() as session:
        return linking.suggest(session, name=values.get("subject_enterprise"), address=values.get("address"))


def _chosen_enterprise() -> int | None:
    raw = request.form.get("enterprise_id") or ""
    return int(raw) if raw.isdigit() else None


def _asked(values: dict) -> bool:
    return bool(values.get("category") and (_place(values) or values.get("subject_enterprise")))


def _render(values: dict, errors: dict, status: int = 200, had_files: bool = False):
    with _runtime().db.read() as session:
        groups = villages_by_area(session)
    suggestions = _suggestions(values) if _asked(values) else []
    return render_template("intake.html", values=values, errors=errors, village_groups=groups,
                           suggestions=suggestions, asked=_asked(values), max_mb=MAX_FILE_BYTES // (1024 * 1024),
                           max_files=MAX_FILES_PER_CASE, duplicate_fields=DUPLICATE_FIELDS,
                           had_files=had_files, submission_token=new_token(), enterprises=_enterprises(values),
                           chosen_enterprise=_chosen_enterprise() if request.method == "POST" else None), status


@bp.route("/intake/new", methods=["GET", "POST"])
@roles_required("intake")
def new():
    if request.method == "GET":
        return _render({**{n: "" for n in TEXT_FIELDS}, **{n: False for n in CHECKBOXES}, **DEFAULTS}, {})
    key = submission_key(request.form)
    earlier = submitted_before(key)
    if earlier is not None:
        return _registered_before(earlier)
    values = _values(request.form)
    parent = _merge_target(request.form.get("merge_into"))
    errors: dict[str, list[str]] = {}
    files = []
    uploads = read_uploads()
    try:
        files = check_uploads(uploads)
    except AttachmentRejected as err:
        errors["attachments"] = [rejection_message(err)]
    data = _intake_data(values)
    if errors:
        # Say everything that is wrong at once, not the files first and the fields on the next try.
        try:
            IntakeSchema().load(data)
        except ValidationError as err:
            errors.update(translated_errors(err.messages))
        return _render(values, errors, 400, had_files=bool(uploads))
    runtime = _runtime()
    # The case, its photos and the merge are one transaction: a failure in any of them registers
    # nothing (and removes the files already written), so the person can simply submit again.
    try:
        with transaction() as session:
            case = register_case(session, runtime, data, current_user.username, created_by_id=current_user.id,
                                 submission_key=key)
            linking.link_case(session, runtime, case, _chosen_enterprise(), current_user.username)
            store_attachments(session, runtime, case.id, files, root=attachments_root(),
                              actor=current_user.username, visibility="public")
            if parent is not None:
                merge_new_case(session, runtime, case.id, parent.number, current_user.username,
                               lang=str(get_locale()))
    except FormInvalid as err:
        return _render(values, translated_errors(err.errors), 400, had_files=bool(uploads))
    except IntegrityError:
        # The same form posted twice at once: the other post registered it (webapp/submissions.py).
        earlier = submitted_before(key)
        if earlier is None:
            raise
        return _registered_before(earlier)
    except (GreenloopError, OSError) as err:
        log.exception("intake by %s failed; nothing was registered", current_user.username)
        message = str(err) if isinstance(err, GreenloopError) else _("附件未能保存")
        return _render(values, {"": [_("未能登记，未保存任何内容，请重新提交：%(error)s", error=message)]}, 500,
                       had_files=bool(uploads))
    if parent is None:
        flash(_("已登记 %(number)s，查询码 %(code)s", number=case.number, code=case.tracking_code), "info")
    else:
        flash(_("已登记 %(number)s（查询码 %(code)s），并作为重复件并入 %(parent)s", number=case.number,
                code=case.tracking_code, parent=parent.number), "info")
    return redirect(url_for("cases.show", case_id=case.id))


def _registered_before(case):
    flash(_("这份表单已经提交过，没有重复登记：%(number)s，查询码 %(code)s", number=case.number,
            code=case.tracking_code), "info")
    return redirect(url_for("cases.show", case_id=case.id))


def _merge_target(raw: str | None):
    if not raw:
        return None
    try:
        case_id = int(raw)
    except ValueError:
        abort(400)
    with _runtime().db.read() as session:
        return visible_case(session, current_user, case_id)


@bp.post("/intake/duplicates")
@roles_required("intake")
def duplicates():
    values = _values(request.form)
    asked = _asked(values)
    return render_template("intake_duplicates.html", suggestions=_suggestions(values) if asked else [],
                           asked=asked, enterprises=_enterprises(values), chosen_enterprise=_chosen_enterprise())


def grid_options_fragment(args) -> str:
    """<option>s of a grid node's children (htmx); a town's answer also empties the village list.
    Shared with the public portal's place picker."""
    key = next((key for key in ("parent", "area", "town") if key in args), None)
    parent = args.get(key) if key else None
    with _runtime().db.read() as session:
        children = grid_children(session, parent) if parent != "" else []
    level = {"town": "area", "area": "village"}.get(key) or (children[0].level if children else "town")
    return render_template("intake_grid_options.html", children=children, level=level,
                           reset_villages=level == "area")


def grid_picker_fragment(selected: str | None, **template_args) -> str:
    """Town → work area → village selects, replacing the one-select picker when htmx runs."""
    with _runtime().db.read() as session:
        lineage = grid_lineage(session, selected)
        town, area = lineage.get("town"), lineage.get("area")
        choices = {"towns": grid_children(session, None),
                   "areas": grid_children(session, town.code) if town else [],
                   "villages": grid_children(session, area.code) if area else []}
    return render_template("intake_grid_picker.html", lineage=lineage, **choices, **template_args)


@bp.get("/intake/grid-options")
@roles_required("intake")
def grid_options():
    return grid_options_fragment(request.args)


@bp.get("/intake/grid-picker")
@roles_required("intake")
def grid_picker():
    return grid_picker_fragment(request.args.get("selected"))
