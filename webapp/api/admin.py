"""/admin/api-tokens: administrators issue, see and revoke API tokens. A new token is shown once,
on the page that answers its creation; only its hash is kept."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.core.errors import FormInvalid
from engine.models import CHANNELS
from engine.org.api_tokens import SCOPES, create_token, list_tokens, revoke_token
from webapp.access import roles_required
from webapp.runtime import current_runtime, transaction

bp = Blueprint("tokens", __name__, url_prefix="/admin/api-tokens")

SCOPE_LABELS = {
    "cases:read": _l("读取案件"), "cases:write": _l("登记案件（如在线监测报警）"), "tasks:read": _l("读取待办任务"),
    "tasks:write": _l("认领、办理任务"), "documents:read": _l("读取、下载文书"), "open311:submit": _l("Open311 提交投诉"),
    "stats:read": _l("读取统计指标"), "ledger:read": _l("读取四色台账"),
}
FIELD_LABELS = {"name": _l("名称"), "scopes": _l("权限范围"), "user": _l("代表的工作人员"), "channel": _l("来源渠道")}


def _page(values: dict | None = None, errors: dict | None = None, new_token: str | None = None, status: int = 200):
    with current_runtime().db.read() as session:
        tokens = list_tokens(session)
    return render_template("api_tokens.html", tokens=tokens, scopes=SCOPES,
                           scope_labels=SCOPE_LABELS, channels=CHANNELS,
                           values=values or {"scopes": []}, errors=errors or {}, field_labels=FIELD_LABELS,
                           new_token=new_token), status


@bp.get("")
@roles_required("admin")
def index():
    return _page()


@bp.post("")
@roles_required("admin")
def create():
    values = {"name": request.form.get("name", "").strip(), "scopes": request.form.getlist("scopes"),
              "user": request.form.get("user", "").strip(), "channel": request.form.get("channel", "")}
    try:
        with transaction() as session:
            row, token = create_token(session, current_runtime(), values["name"], values["scopes"],
                                      created_by=current_user.username, username=values["user"] or None,
                                      channel=values["channel"] or None)
    except FormInvalid as err:
        return _page(values, err.errors, status=422)
    flash(_("已创建令牌“%(name)s”。请立即复制保存，离开本页后将无法再次查看。", name=row.name), "info")
    return _page(new_token=token, status=201)


@bp.post("/<int:token_id>/revoke")
@roles_required("admin")
def revoke(token_id: int):
    with transaction() as session:
        row = revoke_token(session, current_runtime(), token_id, current_user.username)
    flash(_("已吊销令牌“%(name)s”", name=row.name), "info")
    return redirect(url_for("api.tokens.index"))
