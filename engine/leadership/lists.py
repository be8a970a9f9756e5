"""The lists: a leader's own cases (我包的案件) with their last and next progress check, and the
supervision section's flagged cases (重点/疑难/积案), from plain SQL on the case, the leader's
records and the flags. Callers pass the person's scope (engine/org/scopes.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from engine.calendar.store import load_calendar
from engine.core.paging import Page, paginate
from engine.leadership.flags import flags_of
from engine.models import CLOSED_STATUSES, TOP_TIER, Case, CaseFlag, Department, LeaderRecord, User, UserRole


@dataclass
class CaseRow:
    case: Case
    department: str | None
    owner: str | None
    flags: list[str] = field(default_factory=list)
    last_check: date | None = None
    next_check: date | None = None
    # The next check's date has passed with no check recorded since.
    check_overdue: bool = False
    check_today: bool = False
    days_left: float | None = None  # working days to the stage deadline; negative once past
    overdue: bool = False


def _last_check():
    return (select(func.max(LeaderRecord.held_on))
            .where(LeaderRecord.case_id == Case.id, LeaderRecord.kind == "check")
            .correlate(Case).scalar_subquery())


def _next_check():
    # The next date the most recent check agreed on (a later check replaces it).
    return (select(LeaderRecord.next_check)
            .where(LeaderRecord.case_id == Case.id, LeaderRecord.kind == "check")
            .order_by(LeaderRecord.held_on.desc(), LeaderRecord.id.desc()).limit(1)
            .correlate(Case).scalar_subquery())


def _fill(session: Session, rows: list[CaseRow], now: datetime, timezone: str) -> list[CaseRow]:
    if not rows:
        return rows
    calendar = load_calendar(session, timezone)
    today = now.astimezone(ZoneInfo(timezone)).date()
    flags = flags_of(session, [r.case.id for r in rows])
    for row in rows:
        row.flags = [f.flag for f in flags.get(row.case.id, [])]
        if row.next_check is not None and row.case.status not in CLOSED_STATUSES:
            row.check_overdue = row.next_check < today
            row.check_today = row.next_check == today
        if row.case.stage_due is not None and row.case.status not in CLOSED_STATUSES:
            row.days_left = calendar.working_days_left(now, row.case.stage_due)
            row.overdue = now > row.case.stage_due
    return rows


def leader_cases(session: Session, scope, *, now: datetime, timezone: str,
                 include_closed: bool = False) -> list[CaseRow]:
    """The cases within ``scope`` (engine/org/scopes.leader_case_scope), the most pressing next
    check first; open ones only unless ``include_closed``. A leader owns tens, not thousands."""
    owner = User.__table__.alias("owner")
    query = (select(Case, Department.name, owner.c.display_name, _last_check(), _next_check())
             .outerjoin(Department, Department.id == Case.department_id)
             .outerjoin(owner, owner.c.id == Case.leader_owner_id)
             .where(scope))
    if not include_closed:
        query = query.where(Case.status.not_in(CLOSED_STATUSES))
    query = query.order_by(Case.status.in_(CLOSED_STATUSES), _next_check().asc().nulls_last(),
                           Case.stage_due.asc().nulls_last(), Case.id)
    rows = [CaseRow(case, department, owner_name, last_check=last, next_check=nxt)
            for case, department, owner_name, last, nxt in session.execute(query)]
    return _fill(session, rows, now, timezone)


@dataclass(frozen=True)
class FlagFilters:
    flag: str | None = None
    colour: str | None = None
    department_id: int | None = None
    owner_id: int | None = None


def flagged_cases(session: Session, scope, filters: FlagFilters, *, now: datetime, timezone: str, page: int = 1,
                  per_page: int = 50) -> Page:
    """Flagged cases within ``scope`` (engine/org/scopes.flag_scope), open ones first, most
    urgent deadline first; a page of CaseRow."""
    flagged = exists().where(CaseFlag.case_id == Case.id)
    if filters.flag:
        flagged = flagged.where(CaseFlag.flag == filters.flag)
    query = select(Case).where(scope, flagged)
    if filters.colour:
        query = query.where(Case.colour == filters.colour)
    if filters.department_id:
        query = query.where(Case.department_id == filters.department_id)
    if filters.owner_id:
        query = query.where(Case.leader_owner_id == filters.owner_id)
    query = query.order_by(Case.status.in_(CLOSED_STATUSES), Case.stage_due.asc().nulls_last(), Case.id)
    found = paginate(session, query, page, per_page)
    ids = [case.id for case in found.items]
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    owners = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({c.leader_owner_id for c in found.items if c.leader_owner_id}))).all()) if ids else {}
    checks = dict(session.execute(select(Case.id, _last_check()).where(Case.id.in_(ids))).all()) if ids else {}
    nexts = dict(session.execute(select(Case.id, _next_check()).where(Case.id.in_(ids))).all()) if ids else {}
    rows = [CaseRow(case, departments.get(case.department_id), owners.get(case.leader_owner_id),
                    last_check=checks.get(case.id), next_check=nexts.get(case.id)) for case in found.items]
    return Page(_fill(session, rows, now, timezone), found.total, found.page, found.per_page)


def leaders(session: Session) -> list[User]:
    """The bureau's leaders (supervisors of the top tier): who may own a case."""
    return list(session.scalars(select(User).join(UserRole).where(UserRole.role == "supervisor",
                                                                  User.tier == TOP_TIER)
                                .order_by(User.display_name, User.id)))
