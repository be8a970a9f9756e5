"""The SMS gateway setting (短信设置) for administrators: off, the development log sink, or an HTTP
gateway with a request template; and the newest outbox rows with the phones masked.

The secret (API key) is never written back into the page: the field stays empty, and an empty
field keeps the stored secret. Every change is audited (engine/sms/settings.py).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine.cases.masking import mask_phone
from engine.core.errors import FormInvalid
from engine.models.documents import Setting
from engine.models.sms import SmsMessage
from engine.sms import settings as sms_settings
from engine.vocabulary.sms import SMS_KINDS, SMS_STATUSES
from webapp.access import roles_required
from webapp.runtime import current_runtime, transaction

bp = Blueprint("admin_sms", __name__, url_prefix="/admin/sms")
FIELDS = ("kind", "sign", "public_url", "url", "method", "headers", "body", "secret")
RECENT = 20


def _form_settings() -> sms_settings.SmsSettings:
    return sms_settings.SmsSettings(**{name: request.form.get(name, "") for name in FIELDS})


@bp.route("", methods=["GET", "POST"])
@roles_required("admin")
def index():
    runtime = current_runtime()
    errors: dict[str, list[str]] = {}
    entered = None
    if request.method == "POST":
        entered = _form_settings()
        try:
            with transaction() as session:
                sms_settings.save(session, runtime, entered, actor=current_user.username)
        except FormInvalid as err:
            errors = err.errors
        else:
            flash(_("短信设置已保存"), "info")
            return redirect(url_for("admin_sms.index"))
    with runtime.db.read() as session:
        stored = sms_settings.load(session)
        row = session.get(Setting, sms_settings.KEY)
        recent = list(session.scalars(select(SmsMessage).order_by(SmsMessage.id.desc()).limit(RECENT)))
    shown = entered or stored
    return render_template("admin/sms.html", settings=shown, has_secret=bool(stored.secret), errors=errors,
                           kinds=sms_settings.KINDS, methods=sms_settings.METHODS, limits=sms_settings.LIMITS,
                           updated=(row.updated_by, row.updated_at) if row else None,
                           recent=[(m, mask_phone(m.phone)) for m in recent], sms_kinds=SMS_KINDS,
                           statuses=SMS_STATUSES), 422 if errors else 200
