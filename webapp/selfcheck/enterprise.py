"""The enterprise's page (/zc/<token>): no account, phone-first, in Chinese (English on request).
The token names one task (engine/selfcheck/tokens.py): a wrong, replaced or malformed token is a
plain 404 and an expired one a 410, both without saying which task it was; every request is
counted against the address (a shared limit, so tokens cannot be tried in bulk). The page shows
the enterprise's own answers, photos and the review's comment — never staff names, contacts or
anything of other tasks."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from engine.cases.attachments import AttachmentRejected
from engine.core.errors import FormInvalid, NotFound
from engine.models.enterprise import Enterprise
from engine.models.selfcheck import SelfCheckCampaign, SelfCheckPhoto
from engine.selfcheck import answers, tokens
from webapp.cases.attachments import read_uploads, rejection_message
from webapp.extensions import limiter
from webapp.files import attachments_root
from webapp.input_hygiene import UnsafeInput
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction
from webapp.selfcheck.photos import send_photo
from webapp.selfcheck.wording import STATUSES

bp = Blueprint("selfcheck_link", __name__, url_prefix="/zc")
LIMIT_KEY = "SELFCHECK_LINK_LIMIT"
LIMIT_DEFAULT = "60 per minute;600 per hour"
lookups = limiter.shared_limit(lambda: current_app.config.get(LIMIT_KEY, LIMIT_DEFAULT), scope="selfcheck-link")


@bp.after_request
def _private(response):
    # The token is in the address: keep the page out of caches and search engines (the app's
    # Referrer-Policy keeps it out of other sites' logs, webapp/security_headers.py).
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _error(code: int, message: str):
    return render_template("selfcheck/link_error.html", code=code, message=message), code


@bp.errorhandler(404)
def _missing(err):
    return _error(404, _("链接无效。请核对短信中的链接，或联系属地生态环境部门重新获取。"))


@bp.errorhandler(tokens.LinkExpired)
def _expired(err):
    return _error(410, _("链接已过期。请联系属地生态环境部门重新获取自查链接。"))


@bp.errorhandler(429)
def _too_many(err):
    return _error(429, _("操作过于频繁，请稍后再试。"))


@bp.errorhandler(413)
def _too_large(err):
    return _error(413, _("上传的文件太大：一次合计不超过 25 MB。"))


@bp.errorhandler(CSRFError)
def _stale(err):
    return _error(400, _("页面已过期，请返回、刷新页面后重新提交。"))


@bp.errorhandler(UnsafeInput)
def _unsafe(err):
    return _error(400, _("提交的内容含有空字符（NUL），未能提交。请删除该字符后重试。"))


@bp.errorhandler(answers.ReadOnly)
def _read_only(err):
    return _error(409, _("自查已提交，不能再修改。"))


def _open(session, token: str, *, lock: bool = False):
    try:
        return tokens.task_for_token(session, token, _runtime().now(), lock=lock)
    except NotFound:
        abort(404)


def _page(token: str, values: dict | None = None, errors: dict | None = None, status: int = 200):
    with _runtime().db.read() as s:
        task = _open(s, token)
        campaign = s.get(SelfCheckCampaign, task.campaign_id)
        name = s.get(Enterprise, task.enterprise_id).name
        photos = answers.photos_of(s, task.id)
    by_item: dict[str, list[SelfCheckPhoto]] = {}
    for photo in photos:
        by_item.setdefault(photo.item_key, []).append(photo)
    return render_template("selfcheck/fill.html", token=token, task=task, campaign=campaign, name=name,
                           items=campaign.items, answers={**(task.answers or {}), **(values or {})},
                           photos=by_item, errors=errors or {}, editable=task.status in answers.EDITABLE,
                           status_word=STATUSES.get(task.status, ""), max_photos=answers.MAX_PHOTOS_PER_ITEM), status


@bp.get("/<token>")
@lookups
def fill(token: str):
    return _page(token)


@bp.post("/<token>")
@lookups
def save(token: str):
    f = request.form
    with _runtime().db.read() as s:
        campaign_items = s.get(SelfCheckCampaign, _open(s, token).campaign_id).items
    keys = [item["key"] for item in campaign_items]
    values = {key: f.get(key, "") for key in keys if key in f}
    try:
        photos = {item["key"]: read_uploads(f"photo-{item['key']}") for item in campaign_items if item["photo"]}
        with transaction() as s:
            task = _open(s, token, lock=True)
            if f.get("action") == "submit":
                answers.submit(s, _runtime(), task, values, photos, root=attachments_root())
            else:
                answers.save_draft(s, _runtime(), task, values, photos, root=attachments_root())
    except FormInvalid as err:
        return _page(token, values, err.errors, 422)
    except AttachmentRejected as err:
        message = (_("每项最多 %(n)s 张照片", n=answers.MAX_PHOTOS_PER_ITEM) if err.reason == "count"
                   else rejection_message(err))
        return _page(token, values, {"photos": [message]}, 422)
    return redirect(url_for("selfcheck_link.fill", token=token, saved=f.get("action") or "save"))


@bp.get("/<token>/photos/<int:photo_id>")
@lookups
def photo(token: str, photo_id: int):
    with _runtime().db.read() as s:
        task = _open(s, token)
        row = s.get(SelfCheckPhoto, photo_id)
    if row is None or row.task_id != task.id:
        abort(404)
    return send_photo(row)


@bp.post("/<token>/photos/<int:photo_id>/delete")
@lookups
def delete_photo(token: str, photo_id: int):
    try:
        with transaction() as s:
            task = _open(s, token, lock=True)
            answers.remove_photo(s, task, photo_id, root=attachments_root())
    except NotFound:
        abort(404)
    return redirect(url_for("selfcheck_link.fill", token=token))
