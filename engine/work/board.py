"""The supervisors' four-colour board (四色看板): open cases by colour, then tier, from plain SQL.

Callers pass the person's case scope (engine/org/scopes.case_scope); nothing here deserializes a
workflow. Time left is counted in working days with the administrator's calendar.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session, aliased

from engine.calendar.store import load_calendar
from engine.models import (
    CASE_FLAGS,
    CATEGORIES,
    CLOSED_STATUSES,
    TIERS,
    AuditEvent,
    Case,
    CaseFlag,
    Department,
    User,
)
from engine.org.places import town_choices, town_code, town_path

COLOURS = ("red", "yellow", "blue")  # the board's order: most urgent first
STAGES = ("receive", "assign", "handle", "extension", "feedback", "review", "follow_up_review")
PER_PAGE = 100


@dataclass(frozen=True)
class BoardFilters:
    town: str | None = None  # a town's grid code
    department_id: int | None = None
    stage: str | None = None
    colour: str | None = None  # one colour group only (to page through it)
    page: int = 1
    tier: int | None = None
    category: str | None = None

    @classmethod
    def from_args(cls, args, page: int = 1) -> BoardFilters:
        """The filters a query string asks for (the board's and the map's form); a value that is no
        choice filters nothing."""
        def number(name: str) -> int | None:
            value = args.get(name) or ""
            return int(value) if value.isdigit() and len(value) < 10 else None

        def choice(name: str, choices) -> str | None:
            return args.get(name) if args.get(name) in choices else None

        tier = number("tier")
        return cls(town=args.get("town") or None, department_id=number("department"), stage=choice("stage", STAGES),
                   colour=choice("colour", COLOURS), page=page, tier=tier if tier in TIERS else None,
                   category=choice("category", CATEGORIES))


@dataclass
class BoardRow:
    id: int
    number: str
    title: str
    stage: str | None
    colour: str
    tier: int
    stage_due: datetime | None
    urgent: bool
    department: str | None
    town: str | None
    leader: str | None
    last_supervised: datetime | None
    days_left: float | None = None  # working days; minus the working days begun since the deadline
    # Past the deadline: days_left alone cannot say (0.0 when only rest days have passed).
    overdue: bool = False
    # The supervision section's flags (重点/疑难/积案, engine/leadership/flags.py), in CASE_FLAGS order.
    flags: list[str] = field(default_factory=list)
    # A repeat complaint (重复投诉, engine/cases/recurrence.py).
    recurrence: bool = False


@dataclass
class Board:
    colour_counts: dict[str, int]
    tier_counts: dict[int, int]
    groups: dict[str, list[BoardRow]]
    page: int = 1
    per_page: int = PER_PAGE
    towns: dict[str, str] = field(default_factory=dict)
    # Open cases on the board that repeat a recently closed one (重复投诉).
    recurrences: int = 0

    @property
    def total(self) -> int:
        return sum(self.colour_counts.values())

    def by_tier(self, colour: str) -> list[tuple[int, list[BoardRow]]]:
        tiers: dict[int, list[BoardRow]] = {}
        for row in self.groups.get(colour, []):
            tiers.setdefault(row.tier, []).append(row)
        return sorted(tiers.items(), key=lambda item: -item[0])

    def has_more(self, colour: str) -> bool:
        return self.colour_counts.get(colour, 0) > self.page * self.per_page


def department_choices(session: Session) -> list[tuple[int, str]]:
    return [(id_, name) for id_, name in session.execute(
        select(Department.id, Department.name).where(Department.kind == "bureau").order_by(Department.id))]


def conditions(session: Session, scope, filters: BoardFilters) -> list:
    """The WHERE conditions of the board's open cases in ``scope`` under ``filters`` (all but the
    colour, which picks one of the board's groups; the map adds it to these)."""
    found = [scope, Case.status.not_in(CLOSED_STATUSES), Case.colour.in_(COLOURS)]
    if filters.town:
        path = town_path(session, filters.town)
        found.append(Case.grid_path.startswith(path, autoescape=True) if path else false())
    if filters.department_id:
        found.append(Case.department_id == filters.department_id)
    if filters.stage:
        found.append(Case.stage == filters.stage)
    if filters.tier:
        found.append(Case.tier == filters.tier)
    if filters.category:
        found.append(Case.category == filters.category)
    return found


def load_board(session: Session, scope, filters: BoardFilters, now: datetime, timezone: str,
               per_page: int = PER_PAGE) -> Board:
    where = conditions(session, scope, filters)
    colour_counts = {c: 0 for c in COLOURS}
    tier_counts: dict[int, int] = {}
    for colour, tier, count in session.execute(
            select(Case.colour, Case.tier, func.count()).where(*where).group_by(Case.colour, Case.tier)):
        colour_counts[colour] += count
        tier_counts[tier] = tier_counts.get(tier, 0) + count

    towns = dict(town_choices(session))
    calendar = load_calendar(session, timezone)
    leader = aliased(User)
    last_supervised = (select(func.max(AuditEvent.at)).where(AuditEvent.case_id == Case.id,
                                                            AuditEvent.kind == "supervised")
                       .correlate(Case).scalar_subquery())
    page = max(1, filters.page)
    groups: dict[str, list[BoardRow]] = {}
    for colour in COLOURS:
        if filters.colour and colour != filters.colour:
            groups[colour] = []
            continue
        query = (
            select(Case.id, Case.number, Case.title, Case.stage, Case.colour, Case.tier, Case.stage_due,
                   Case.urgent, Department.name, Case.grid_path, leader.display_name, last_supervised,
                   Case.recurrence_of_id)
            .outerjoin(Department, Department.id == Case.department_id)
            .outerjoin(leader, leader.id == Case.leader_owner_id)
            .where(*where, Case.colour == colour)
            .order_by(Case.tier.desc(), Case.stage_due.asc().nulls_last(), Case.id)
            .limit(per_page).offset((page - 1) * per_page if filters.colour else 0)
        )
        rows = []
        for (case_id, number, title, stage, col, tier, due, urgent, department, grid_path, leader_name,
             supervised, recurrence_of) in session.execute(query):
            row = BoardRow(case_id, number, title, stage, col, tier, due, urgent, department,
                           towns.get(town_code(grid_path) or ""), leader_name, supervised,
                           recurrence=recurrence_of is not None)
            if due is not None:
                row.days_left = calendar.working_days_left(now, due)
                row.overdue = now > due
            rows.append(row)
        groups[colour] = rows
    _add_flags(session, [row for rows in groups.values() for row in rows])
    recurrences = session.scalar(select(func.count()).select_from(Case)
                                 .where(*where, Case.recurrence_of_id.is_not(None))) or 0
    return Board(colour_counts, tier_counts, groups, page=page if filters.colour else 1, per_page=per_page,
                 towns=towns, recurrences=recurrences)


def _add_flags(session: Session, rows: list[BoardRow]) -> None:
    by_id = {row.id: row for row in rows}
    if not by_id:
        return
    for case_id, flag in session.execute(select(CaseFlag.case_id, CaseFlag.flag).where(CaseFlag.case_id.in_(by_id))):
        by_id[case_id].flags.append(flag)
    for row in by_id.values():
        row.flags.sort(key=lambda flag: CASE_FLAGS.index(flag) if flag in CASE_FLAGS else len(CASE_FLAGS))
