"""The public portal (公众投诉): no sign-in, phone-first. Submit a complaint, follow it by its
tracking code, add information while it is open, rate the reply. The rules live in
engine.public_portal; this module reads forms, rate-limits per address and words the answers."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from marshmallow import ValidationError
from sqlalchemy.exc import IntegrityError

from engine.cases.attachments import MAX_FILE_BYTES, AttachmentRejected, check_uploads
from engine.core.errors import FormInvalid, GreenloopError, NotFound, WorkflowFault
from engine.org.places import villages_by_area
from engine.public import portal as portal
from webapp.cases.attachments import read_uploads, rejection_message, send_attachment
from webapp.cases.intake import grid_options_fragment, grid_picker_fragment, translated_errors
from webapp.extensions import code_lookup_limit, limiter
from webapp.files import attachments_root
from webapp.input_hygiene import UnsafeInput
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction
from webapp.security_headers import locating_page
from webapp.submissions import new_token, submission_key, submitted_before

bp = Blueprint("public", __name__, url_prefix="/public")

# Per client address; tests raise them. Tracking lookups are limited so codes cannot be tried in
# bulk: by webapp.extensions.code_lookup_limit, shared with Open311's token lookup.
DEFAULT_LIMITS = {
    "PUBLIC_SUBMIT_LIMIT": "10 per hour;30 per day",
    "PUBLIC_ACTION_LIMIT": "20 per hour",
    "PUBLIC_FILE_LIMIT": "120 per minute",
}
TEXT_FIELDS = ("category", "subject_type", "title", "description", "subject_enterprise", "address", "latitude",
               "longitude", "complainant_name", "complainant_phone", "grid_code", "area", "town")
# A field people never see; a form that fills it in was filled in by a program.
HONEYPOT = "website"
LAST_CODE = "public_last_code"
REFUSED = {
    "closed": _l("本件已办结，不能再补充材料。如有新的问题，请重新投诉。"),
    "not_yet": _l("答复后才能评价。请在收到答复后再来评价。"),
    "rated": _l("本次答复已经评价过了，谢谢。"),
    "not_applicable": _l("本件未进入办理，无需评价。"),
}
_ENGINE_MESSAGES = {
    portal.PLACE_REQUIRED: _l("请选择地点，或填写详细地址"),
    portal.POSITION_PAIR: _l("纬度和经度需同时填写"),
    portal.REASON_REQUIRED: _l("选择“不满意”时，请说明原因"),
    portal.SUPPLEMENT_EMPTY: _l("请填写补充说明，或选择照片"),
}


@bp.record_once
def _defaults(state):
    for key, value in DEFAULT_LIMITS.items():
        state.app.config.setdefault(key, value)


def _limit(key: str):
    return lambda: current_app.config[key]


@bp.after_request
def _private(response):
    # Tracking pages carry the code in their address: keep it out of caches (and, by the app's
    # Referrer-Policy, webapp/security_headers.py, out of other sites' logs).
    if request.endpoint and request.endpoint.startswith("public.track"):
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def _error(code: int, message: str):
    return render_template("public/error.html", code=code, message=message), code


@bp.errorhandler(429)
def _too_many(err):
    return _error(429, _("操作过于频繁，请稍后再试。如情况紧急，请拨打 12369 环保举报热线。"))


@bp.errorhandler(413)
def _too_large(err):
    return _error(413, _("上传的文件太大：一次合计不超过 25 MB。"))


@bp.errorhandler(UnsafeInput)
def _unsafe(err):
    return _error(400, _("提交的内容含有空字符（NUL），未能提交。请删除该字符后重试。"))


@bp.errorhandler(CSRFError)
def _expired(err):
    return _error(400, _("页面已过期，请返回、刷新页面后重新提交。"))


@bp.errorhandler(404)
def _missing(err):
    return _error(404, _("页面不存在。"))


@bp.errorhandler(WorkflowFault)
def _process_failed(err):
    # The staff pages name the failing element (webapp/errors.py); the public is told only that
    # nothing was saved. Administrators find it in the log.
    current_app.logger.error("workflow fault at %s: %s", err.element, err, exc_info=err)
    return _error(409, _("暂时无法办理，您提交的内容未保存，请稍后再试。如情况紧急，请拨打 12369 环保举报热线。"))


@bp.errorhandler(GreenloopError)
def _refused(err):
    return _error(400, _("提交未完成，请刷新页面后重试。"))


def _field_errors(errors: dict) -> dict[str, list[str]]:
    out = {}
    for field, messages in translated_errors(errors).items():
        out[field] = [str(_ENGINE_MESSAGES[m]) if m in _ENGINE_MESSAGES else
                      (_("内容过长") if m.startswith("最多 ") and "字" in m else m) for m in messages]
    return out


def _checked_files(errors: dict):
    uploads = read_uploads()
    if len(uploads) > portal.MAX_FILES_PER_SUBMISSION:
        errors["attachments"] = [_("一次最多上传 %(n)s 个文件", n=portal.MAX_FILES_PER_SUBMISSION)]
        return [], bool(uploads)
    try:
        return check_uploads(uploads), bool(uploads)
    except AttachmentRejected as err:
        errors["attachments"] = [rejection_message(err)]
        return [], bool(uploads)


# ---------------------------------------------------------------------------- pages


@bp.get("/")
def index():
    return render_template("public/index.html")


def _render_new(values: dict, errors: dict, status: int = 200, had_files: bool = False):
    with _runtime().db.read() as db:
        groups = villages_by_area(db)
    return render_template("public/new.html", values=values, errors=errors, village_groups=groups,
                           max_mb=MAX_FILE_BYTES // (1024 * 1024), max_files=portal.MAX_FILES_PER_SUBMISSION,
                           had_files=had_files, honeypot=HONEYPOT, submission_token=new_token()), status


@bp.route("/new", methods=["GET", "POST"])
@limiter.limit(_limit("PUBLIC_SUBMIT_LIMIT"), methods=["POST"])
@locating_page
def new():
    if request.method == "GET":
        return _render_new({"subject_type": "other"}, {})
    values = {name: (request.form.get(name) or "").strip() for name in TEXT_FIELDS}
    values["complainant_anonymous"] = bool(request.form.get("complainant_anonymous"))
    if request.form.get(HONEYPOT):
        return _error(400, _("提交未完成，请刷新页面后重试。"))
    key = submission_key(request.form)
    earlier = submitted_before(key)
    if earlier is not None:
        # The same form again (a double tap, a resend): its case, not a second one.
        return _submitted(earlier)
    errors: dict[str, list[str]] = {}
    files, had_files = _checked_files(errors)
    data = {k: v for k, v in values.items() if k not in ("grid_code", "area", "town")}
    # The three linked lists may stop at a work area or a town; the single list names a village.
    data["grid_code"] = values["grid_code"] or values["area"] or values["town"] or None
    if errors:
        # Say what else is wrong too, so a second try is the last one.
        return _render_new(values, {**_dry_run(data), **errors}, 400, had_files)
    try:
        with transaction() as db:
            case = portal.submit(db, _runtime(), data, files, root=attachments_root(), submission_key=key)
    except FormInvalid as err:
        return _render_new(values, _field_errors(err.errors), 400, had_files)
    except IntegrityError:
        # The same form posted at the same moment: the other post registered it (the unique
        # submission key, webapp/submissions.py); this one rolled back, photos included.
        case = submitted_before(key)
        if case is None:
            raise
    return _submitted(case)


def _submitted(case):
    session[LAST_CODE] = case.tracking_code
    return redirect(url_for("public.submitted"), 303)


def _dry_run(data: dict) -> dict[str, list[str]]:
    try:
        portal.PublicSubmissionSchema().load({**{k: v for k, v in data.items() if v not in ("", None)},
                                             "channel": "public"})
    except ValidationError as err:
        return _field_errors(err.messages)
    return {}


@bp.get("/submitted")
def submitted():
    code = session.get(LAST_CODE)
    if not code:
        return redirect(url_for("public.index"))
    return render_template("public/submitted.html", code=code)


@bp.route("/track", methods=["GET", "POST"])
@code_lookup_limit(methods=["POST"])
def track_lookup():
    if request.method == "GET":
        return render_template("public/track_form.html", code="", not_found=False)
    code = portal.normalize_code(request.form.get("code"))
    if code is None:
        return _not_found(request.form.get("code") or "")
    return redirect(url_for("public.track", code=code), 303)


def _not_found(typed: str):
    # One answer for a mistyped code and for one that was never issued.
    return render_template("public/track_form.html", code=typed[:40], not_found=True), 404


def _render_track(code: str, status: int = 200, add_errors=None, rate_errors=None, values=None):
    runtime = _runtime()
    with runtime.db.read() as db:
        try:
            view = portal.public_view(db, code)
        except NotFound:
            return _not_found(code)
    return render_template("public/track.html", view=view, add_errors=add_errors or {},
                           rate_errors=rate_errors or {}, values=values or {},
                           max_files=portal.MAX_FILES_PER_SUBMISSION,
                           max_mb=MAX_FILE_BYTES // (1024 * 1024)), status


@bp.get("/track/<code>")
@code_lookup_limit()
def track(code: str):
    normal = portal.normalize_code(code)
    if normal is None:
        return _not_found(code)
    if normal != code:
        return redirect(url_for("public.track", code=normal))
    return _render_track(code)


@bp.post("/track/<code>/add")
@limiter.limit(_limit("PUBLIC_ACTION_LIMIT"))
def track_add(code: str):
    runtime = _runtime()
    with runtime.db.read() as db:
        try:
            room = portal.supplement_room(db, code)
        except NotFound:
            return _not_found(code)
    errors: dict[str, list[str]] = {}
    files, _had = _checked_files(errors)
    if len(files) > room:
        errors["attachments"] = [_("本件的附件已达上限，不能再上传照片")]
    text = request.form.get("text") or ""
    if errors:
        return _render_track(code, 400, add_errors=errors, values={"text": text})
    try:
        with transaction() as db:
            portal.add_information(db, runtime, code, text, files, root=attachments_root())
    except FormInvalid as err:
        return _render_track(code, 400, add_errors=_field_errors(err.errors), values={"text": text})
    except portal.PublicRefused as err:
        return _render_track(code, 409, add_errors={"form": [str(REFUSED[err.reason])]}, values={"text": text})
    flash(_("补充材料已提交，承办人员会看到。"), "info")
    return redirect(url_for("public.track", code=code) + "#timeline", 303)


@bp.post("/track/<code>/rate")
@limiter.limit(_limit("PUBLIC_ACTION_LIMIT"))
def track_rate(code: str):
    satisfaction = request.form.get("satisfaction") or ""
    comment = request.form.get("comment") or ""
    values = {"satisfaction": satisfaction, "comment": comment}
    try:
        with transaction() as db:
            portal.rate(db, _runtime(), code, satisfaction, comment, lang=str(get_locale()))
    except NotFound:
        return _not_found(code)
    except FormInvalid as err:
        return _render_track(code, 400, rate_errors=_field_errors(err.errors), values=values)
    except portal.PublicRefused as err:
        return _render_track(code, 409, rate_errors={"form": [str(REFUSED[err.reason])]}, values=values)
    flash(_("感谢您的评价。") if satisfaction != "unsatisfied" else
          _("已收到您的评价。您的意见将转交复查或重新办理。"), "info")
    return redirect(url_for("public.track", code=code) + "#timeline", 303)


@bp.get("/track/<code>/files/<int:attachment_id>")
@limiter.limit(_limit("PUBLIC_FILE_LIMIT"))
def track_file(code: str, attachment_id: int):
    with _runtime().db.read() as db:
        try:
            row = portal.public_attachment(db, code, attachment_id)
        except NotFound:
            return _error(404, _("文件不存在。"))
    return send_attachment(row)


# ---------------------------------------------------------------------------- place picker (htmx)


@bp.get("/grid-options")
def grid_options():
    return grid_options_fragment(request.args)


@bp.get("/grid-picker")
def grid_picker():
    return grid_picker_fragment(request.args.get("selected"), options_url=url_for("public.grid_options"))
