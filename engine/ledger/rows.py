"""The ledger's rows: one query for a page and, in keyset batches, for a whole export.

Every row is a case received in the period, within the reader's scope (``LedgerScope``, built
from engine/org/scopes.statistics_scope: the rule is never restated here) and the filters. The
complainant is no column of the ledger; a title is shown through engine/cases/masking's staff
redactor to a reader who may not see the complainant (a resident may write their phone number
into it).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session, aliased

from engine.cases.masking import staff_redactor
from engine.core.paging import Page, clamp
from engine.ledger.filters import LedgerFilters
from engine.measures import Period
from engine.models import Case, Department, Grid, Patrol, User
from engine.org.places import town_code, town_path
from engine.org.scopes import StaffMember, patrol_scope, statistics_scope

PER_PAGE = 25
BATCH = 2000
# Rows without a town (registered without a place, or at the county itself) go under this key.
NO_TOWN = ""


@dataclass(frozen=True)
class LedgerScope:
    """Which cases a ledger may hold (a WHERE clause on Case) and whether its reader may see the
    complainant (engine/org/scopes.StaffMember.sees_identity). A person's ledger holds the cases
    their figures count (engine/org/scopes.statistics_scope), so its rows and its summary agree."""

    where: ColumnElement[bool]
    sees_identity: bool
    # The patrols whose figures the summary shows (engine/org/scopes.patrol_scope).
    patrols: ColumnElement[bool] = false()

    @classmethod
    def of(cls, staff: StaffMember) -> LedgerScope:
        return cls(statistics_scope(staff), staff.sees_identity, patrol_scope(staff, Patrol))

    @classmethod
    def everything(cls, *, sees_identity: bool = False) -> LedgerScope:
        """Every case (a report for the whole bureau); titles masked unless told otherwise."""
        return cls(true(), sees_identity, true())


class LedgerRow(NamedTuple):
    """One row (a named tuple: an export builds 100,000 of them, and a tuple is built fastest)."""

    id: int
    number: str
    title: str
    category: str
    channel: str
    town_code: str | None
    town: str  # name, "" without a town
    place: str  # the case's own grid node (village, area) by name
    department: str
    status: str
    stage: str | None
    colour: str
    tier: int
    leader: str  # the leader who owns the case (包案领导), "" for none
    urgent: bool
    received_at: datetime
    accepted_at: datetime | None
    stage_due: datetime | None
    closed_at: datetime | None
    closed_on_time: bool | None
    satisfaction: str | None
    reopened: bool
    extension_days: int


_Leader = aliased(User)
_Place = aliased(Grid)
_COLUMNS = (Case.id, Case.number, Case.title, Case.complainant_name, Case.complainant_phone, Case.tracking_code,
            Case.category, Case.channel, Case.grid_path, _Place.name.label("place_name"),
            Department.name.label("department_name"), Case.status,
            Case.stage, Case.colour, Case.tier, _Leader.display_name.label("leader_name"), Case.urgent,
            Case.received_at, Case.accepted_at, Case.stage_due, Case.closed_at, Case.closed_on_time,
            Case.satisfaction, Case.reopened, Case.extension_days)


def conditions(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
               tz: str | ZoneInfo) -> list[ColumnElement[bool]]:
    start, end = period.utc_bounds(tz)
    where = [Case.received_at >= start, Case.received_at < end, scope.where]
    for column, value in ((Case.colour, filters.colour), (Case.stage, filters.stage),
                          (Case.category, filters.category), (Case.channel, filters.channel),
                          (Case.status, filters.status)):
        if value:
            where.append(column == value)
    if filters.tier:
        where.append(Case.tier == filters.tier)
    if filters.department:
        where.append(Case.department_id == select(Department.id).where(Department.code == filters.department)
                     .scalar_subquery())
    if filters.town:
        path = town_path(session, filters.town)
        where.append(Case.grid_path.startswith(path, autoescape=True) if path else false())
    if filters.leader_owned:
        where.append(Case.leader_owner_id.is_not(None))
    return where


def _select(where):
    return (select(*_COLUMNS)
            .outerjoin(Department, Department.id == Case.department_id)
            .outerjoin(_Leader, _Leader.id == Case.leader_owner_id)
            .outerjoin(_Place, _Place.id == Case.grid_id)
            .where(*where))


_NEWEST_FIRST = (Case.received_at.desc(), Case.id.desc())


class _Builder:
    """Turns result rows into LedgerRows: the towns' names looked up once (a county has a few
    dozen; a case's own place comes with its row), titles masked per reader."""

    def __init__(self, session: Session, sees_identity: bool):
        self.towns = dict(session.execute(select(Grid.code, Grid.name).where(Grid.level == "town")).all())
        self.sees_identity = sees_identity

    def __call__(self, r) -> LedgerRow:
        town = town_code(r.grid_path)
        redact = staff_redactor(r, self.sees_identity)
        return LedgerRow(
            id=r.id, number=r.number, title=redact(r.title) if redact else r.title, category=r.category,
            channel=r.channel, town_code=town, town=self.towns.get(town, town) if town else "",
            # The case's own grid node (a village, a work area, or the town itself); none at the county.
            place=(r.place_name or r.grid_path.rstrip("/").rsplit("/", 1)[-1]) if town else "",
            department=r.department_name or "", status=r.status, stage=r.stage, colour=r.colour, tier=r.tier,
            leader=r.leader_name or "", urgent=bool(r.urgent), received_at=r.received_at,
            accepted_at=r.accepted_at, stage_due=r.stage_due, closed_at=r.closed_at,
            closed_on_time=r.closed_on_time, satisfaction=r.satisfaction, reopened=bool(r.reopened),
            extension_days=r.extension_days or 0)


def count_rows(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
               tz: str | ZoneInfo) -> int:
    where = conditions(session, period, filters, scope, tz)
    return session.scalar(select(func.count()).select_from(Case).where(*where)) or 0


def town_counts(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
                tz: str | ZoneInfo) -> Counter:
    """{town code (NO_TOWN for none): rows}: grouped by grid node in SQL (a few hundred groups at
    most), folded into towns here, so the per-town sheets are known before a row is written."""
    where = conditions(session, period, filters, scope, tz)
    counts: Counter = Counter()
    for path, n in session.execute(select(Case.grid_path, func.count()).where(*where).group_by(Case.grid_path)):
        counts[town_code(path) or NO_TOWN] += n
    return counts


def ledger_page(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope, *,
                tz: str | ZoneInfo, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of ``LedgerRow`` items, newest first (as the case list,
    engine/cases/read_model.search_cases)."""
    where = conditions(session, period, filters, scope, tz)
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    page = clamp(page, total, per_page)
    found = session.execute(_select(where).order_by(*_NEWEST_FIRST)
                            .offset((page - 1) * per_page).limit(per_page)).all()
    build = _Builder(session, scope.sees_identity)
    return Page([build(r) for r in found], total, page, per_page)


def _older_than(after: tuple[datetime, int] | None) -> list[ColumnElement[bool]]:
    """The keyset condition: rows after ``(received_at, id)`` in newest-first order."""
    if after is None:
        return []
    when, last_id = after
    # The first condition alone bounds the index range: with only the second, PostgreSQL walks
    # every row already read before reaching the next batch (quadratic in the ledger's length).
    return [Case.received_at <= when,
            or_(Case.received_at < when, and_(Case.received_at == when, Case.id < last_id))]


@dataclass(frozen=True)
class KeysetPage:
    items: list[LedgerRow]
    total: int
    # (received_at, id) of the last row when more follow; None on the last page.
    next_after: tuple[datetime, int] | None


def ledger_after(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope, *,
                 tz: str | ZoneInfo, after: tuple[datetime, int] | None = None, limit: int = PER_PAGE) -> KeysetPage:
    """Up to ``limit`` rows, newest first, after the row ``after`` (the API's paging: each page is
    an index range however deep, and a case registered meanwhile does not shift later pages)."""
    where = conditions(session, period, filters, scope, tz)
    total = session.scalar(select(func.count()).select_from(Case).where(*where)) or 0
    found = session.execute(_select([*where, *_older_than(after)]).order_by(*_NEWEST_FIRST).limit(limit + 1)).all()
    build = _Builder(session, scope.sees_identity)
    items = [build(r) for r in found[:limit]]
    more = len(found) > limit
    return KeysetPage(items, total, (items[-1].received_at, items[-1].id) if more else None)


def iter_rows(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope, *,
              tz: str | ZoneInfo, batch: int | None = None,
              on_batch: Callable[[int], None] | None = None) -> Iterator[LedgerRow]:
    """Every row, newest first, fetched ``batch`` at a time after the last one seen (keyset: each
    batch is an index range, however deep into the period; no OFFSET and no server-side cursor,
    so SQLite and PostgreSQL behave alike). ``on_batch(n)`` after each batch is fetched."""
    batch = batch or BATCH
    where = conditions(session, period, filters, scope, tz)
    build = _Builder(session, scope.sees_identity)
    after: tuple[datetime, int] | None = None
    while True:
        # Columns, not entities: the connection returns plain rows without the ORM's loading steps.
        found = session.connection().execute(_select([*where, *_older_than(after)])
                                             .order_by(*_NEWEST_FIRST).limit(batch)).all()
        if on_batch is not None:
            on_batch(len(found))
        for r in found:
            yield build(r)
        if len(found) < batch:
            return
        after = (found[-1].received_at, found[-1].id)
