"""What the layout needs on every page: the navigation for the person's roles, the unread bell."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from engine.models import Notification

# endpoint, label (translatable), roles that see it (empty: every signed-in person)
NAV = [
    ("inbox.index", _l("我的待办"), ()),
    ("intake.new", _l("登记投诉"), ("intake",)),
    ("field.report", _l("网格员上报"), ("handler",)),
    ("approvals.index", _l("审批"), ("lead",)),
    ("board.index", _l("四色看板"), ("supervisor",)),
    ("cases.index", _l("案件查询"), ()),
    ("admin.index", _l("系统管理"), ("admin",)),
]


# Entries that also need more than a role: the report page is for a handler posted to a grid.
ONLY_IF = {"field.report": lambda user: user.grid_officer}


def nav_items():
    known = current_app.view_functions
    return [(e, label, roles) for e, label, roles in NAV
            if e in known and (not roles or current_user.has(*roles)) and ONLY_IF.get(e, lambda _u: True)(current_user)]


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    from webapp.access import notification_scope
    from webapp.runtime import runtime_of

    with runtime_of(current_app).db.read() as s:
        return s.scalar(select(func.count()).select_from(Notification)
                        .where(Notification.read_at.is_(None), notification_scope(current_user))) or 0


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(nav_items=nav_items, unread_count=unread_count,
                                 endpoints=lambda: current_app.view_functions)



