"""The bell: a person's notifications, newest first, and marking them read."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from engine.notify import bell
from webapp.access import notification_scope
from webapp.paging import requested_page
from webapp.redirects import safe_next
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("notifications", __name__)
PER_PAGE = 50
KINDS = {
    "task": _l("新任务"), "warning": _l("预警"), "escalation": _l("督办"), "supervised": _l("督办意见"),
    "returned": _l("退单"), "approval": _l("审批结果"), "closed": _l("待回访"), "reassigned": _l("改派"),
    "supplement": _l("补充材料"), "report": _l("统计报告"),
}


@bp.get("/notifications")
@login_required
def index():
    unread_only = request.args.get("unread") == "1"
    page = requested_page()
    with _runtime().db.read() as session:
        rows, total = bell.list_for(session, notification_scope(current_user), unread_only=unread_only,
                                             limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return render_template("notifications.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           unread_only=unread_only, KINDS=KINDS)


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
