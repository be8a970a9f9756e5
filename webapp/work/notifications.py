"""The bell: a person's notifications, newest first, marking them read, and how often they want
them by e-mail."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.core.errors import FormInvalid
from engine.notify import bell, preferences
from engine.notify.delivery import is_digest
from webapp.access import notification_scope
from webapp.paging import requested_page
from webapp.redirects import safe_next
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("notifications", __name__)
PER_PAGE = 50


def queue_link(note) -> str | None:
    """Where a digest of several cases leads: the group's queue in the inbox, at that stage."""
    if not is_digest(note) or note.case_id is not None:
        return None
    return url_for("inbox.index", view="group", stage=note.stage,
                   colour="yellow" if note.kind == "warning" else None)


@bp.get("/notifications")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    page = requested_page()
    with _runtime().db.read() as session:
        rows, total = bell.list_for(session, notification_scope(current_user), unread_only=unread_only,
                                    limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("notifications.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           unread_only=unread_only, queue_link=queue_link, is_digest=is_digest)


def _back():
    target = safe_next(request.form.get("next"), "")
    # Only our own list pages.
    if not target.startswith("/notifications"):
        target = url_for("notifications.index")
    return redirect(target, 303)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    with transaction() as session:
        bell.mark_read(session, _runtime(), current_user.id, notification_id)
    return _back()


@bp.post("/notifications/read-all")
@login_required
def read_all():
    with transaction() as session:
        count = bell.mark_read(session, _runtime(), current_user.id)
    flash(_("已将 %(n)s 条通知标为已读", n=count), "info")
    return _back()


def _settings_page(chosen: str | None, error: str | None = None) -> str:
    return render_template("notification_settings.html", chosen=chosen, choices=preferences.FREQUENCIES,
                           error=error, digest_hour=current_app.config["GREENLOOP_SETTINGS"].mail_digest_hour)


@bp.get("/notifications/settings")
@login_required
def settings():
    with _runtime().db.read() as session:
        chosen = preferences.email_frequency(session, current_user.id)
    return _settings_page(chosen)


@bp.post("/notifications/settings")
@login_required
def save_settings():
    chosen = request.form.get("email_frequency", "")
    try:
        with transaction() as session:
            preferences.set_email_frequency(session, _runtime(), current_user.id, chosen)
    except FormInvalid:
        return _settings_page(None, error=_("请选择一种邮件频率")), 400
    flash(_("已保存通知设置"), "info")
    return redirect(url_for("notifications.settings"), 303)
