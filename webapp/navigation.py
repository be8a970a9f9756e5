"""What the layout needs on every page: the navigation for the person's roles, the unread bell."""
from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from engine.models import TOP_TIER, Notification
from engine.org.scopes import (
    STATISTICS_ROLES,
    in_supervision_section,
    manages_inspections,
    reads_enterprises,
    reads_reports,
)


def _leader(user) -> bool:
    """A bureau leader (a supervisor of the top tier), who owns cases (包案); or an administrator."""
    return user.is_admin or ("supervisor" in user.roles and user.tier == TOP_TIER)


# endpoint, label (translatable), who sees it: roles (empty: every signed-in person), or a rule of
# engine/org/scopes.py deciding it for the person
NAV = [
    ("home.dashboard", _l("工作台"), ("supervisor",)),
    ("inbox.index", _l("我的待办"), ()),
    ("intake.new", _l("登记投诉"), ("intake",)),
    ("field.report", _l("网格员上报"), lambda user: user.grid_officer),
    ("approvals.index", _l("审批"), ("lead",)),
    ("board.index", _l("四色看板"), ("supervisor",)),
    ("stats.index", _l("统计分析"), STATISTICS_ROLES),
    ("map.index", _l("挂图督办"), ("supervisor",)),
    ("ledger.index", _l("四色台账"), ("lead", "supervisor")),
    ("leadership.mine", _l("我包的案件"), _leader),
    ("leadership.flagged", _l("重点案件"), in_supervision_section),
    ("patrol.today", _l("今日巡查"), lambda user: user.tier == 1 and "handler" in user.roles),
    ("patrol.ledger", _l("巡查台账"), ("supervisor",)),
    ("patrol.point_list", _l("巡查点"), ("admin",)),
    ("enterprises.index", _l("污染源台账"), reads_enterprises),
    ("enforcement.index", _l("执法办案"), ("handler", "lead", "supervisor")),
    ("selfcheck.index", _l("企业自查"), lambda user: "supervisor" in user.roles or user.is_admin),
    ("inspections.index", _l("双随机抽查"), manages_inspections),
    ("cases.index", _l("案件查询"), ()),
    ("reports.index", _l("统计报告"), reads_reports),
    ("admin.index", _l("系统管理"), ("admin",)),
]



def nav_items():
    known = current_app.view_functions
    return [(e, label, roles) for e, label, roles in NAV
            if e in known and (not roles or (roles(current_user) if callable(roles) else current_user.has(*roles)))]


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



