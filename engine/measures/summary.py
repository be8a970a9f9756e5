"""The monthly summary the county-wide figures read (table ``case_stat``), kept in step with the case
rows inside the transaction that changes them.

Why: a year of a county is some 300,000 cases; counting them row by row for every page view
takes seconds on PostgreSQL (bench/stats_bench.py). The summary holds, for each local month of
receipt, each dimension ("all", town, area, department, category, channel, tier) and key, how
many cases have each fact, and how many closed cases took each number of working days — a few
thousand rows a year. A period's whole months are read from it; its partial months at either
end, any filter and any scope narrower than the whole county are counted from the cases
(engine/measures/compute.py decides).

How it stays right: a transaction that inserts or changes cases (an engine step, intake, a test
writing rows) subtracts what each changed case contributed before its first change (read by the
flush that first changes it) and adds what it contributes at the end, both read with the same SQL
facts the figures use (engine/measures/definitions.FACTS), as increments (``n = n + delta``) that
commute, so concurrent steps never lose one. The "after" read and the increments wait until the
transaction commits (or until the summary is read in it): every case start adds to the same few
rows (this month's "all" counts), whose locks are then held only while the transaction commits,
not through its whole step — concurrent starts would otherwise queue behind each other
(bench/engine_bench.py, start_per_s_4c). A statement that writes a case anyway may return its
"after" (``_written``; a new case's number, engine/cases/numbering.py): the commit then counts it
without reading the case, unless the case changed again since. An ORM bulk ``UPDATE`` of cases
(engine/org/grid_tree.repath) is bracketed the same way. Rows loaded around the ORM (a benchmark's COPY) need ``rebuild``; a
process seeding thousands of cases step by step (the demo) may pause it and count once (``paused``).
The summary is in one time zone, the one ``maintain`` was given (engine/bootstrap.py gives the
runtime's); figures asked in another zone are counted from the cases.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import case as sql_case
from sqlalchemy import delete, event, func, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import AsBoolean, BooleanClauseList, True_

from engine.core import case_writes
from engine.measures.definitions import DURATION_FACT, FACTS
from engine.measures.slices import DIMENSIONS, NONE_KEY, key_column
from engine.models import Case, CaseStat

ALL = "all"
SUMMARY_DIMENSIONS = (ALL, *DIMENSIONS)
DAYS_PREFIX = "d:"
# The case columns a fact or a key is read from: a change to any other leaves the summary alone.
WATCHED = frozenset({
    "received_at", "status", "colour", "accepted_at", "closed_on_time", "followed_up_at", "satisfaction",
    "escalation_count", "assigned_at", "return_count", "handling_workdays", "grid_path", "department_id",
    "category", "channel", "tier",
    "check_method", "relapse_count", "recurrence_of_id"})
_PENDING = "greenloop_case_stat_pending"
_state: dict[str, ZoneInfo | None] = {"tz": None}
# Set while a bulk load that counts everything again at its end runs (``paused``).
_paused: ContextVar[bool] = ContextVar("greenloop_case_stat_paused", default=False)


def summary_zone() -> ZoneInfo | None:
    """The zone the summary is kept in, None when nothing keeps it (then figures are counted)."""
    return _state["tz"]


def maintain(tz: str | ZoneInfo) -> None:
    """Keep the summary in step with every session's case changes, in zone ``tz``. Idempotent;
    the first zone stays (one installation has one), figures in another are counted from cases."""
    if _state["tz"] is not None:
        return
    _state["tz"] = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _bulk_update)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    case_writes.listen(_columns, _written)


# ---------------------------------------------------------------------------- contributions


def _month(received_at: datetime, zone: ZoneInfo) -> date:
    if received_at.tzinfo is None:  # SQLite hands back naive UTC through a plain select
        received_at = received_at.replace(tzinfo=timezone.utc)
    return received_at.astimezone(zone).date().replace(day=1)


def _contribution_columns(dialect: str) -> list:
    return [Case.received_at, Case.handling_workdays,
            *(key_column(by, dialect).label(f"k_{by}") for by in DIMENSIONS),
            *(sql_case((condition, 1), else_=0).label(f"f_{code}") if code != "received" else None
              for code, condition in FACTS.items())]


# Built once per dialect: building the ~30 labelled expressions took a sixth of a case start's CPU.
_COLUMNS: dict[str, list] = {}


def _columns(dialect: str) -> list:
    columns = _COLUMNS.get(dialect)
    if columns is None:
        columns = _COLUMNS[dialect] = [c for c in _contribution_columns(dialect) if c is not None]
    return columns


def contributions(session: Session, where, zone: ZoneInfo, sign: int = 1) -> Counter:
    """{(month, dimension, key, fact): ±cases} of the cases matching ``where``."""
    found: Counter = Counter()
    for row in session.connection().execute(select(*_columns(session.get_bind().dialect.name)).where(where)):
        _add_row(found, row._mapping, zone, sign)
    return found


def _add_row(found: Counter, values, zone: ZoneInfo, sign: int) -> None:
    month = _month(values["received_at"], zone)
    facts = ["received", *(code for code in FACTS if code != "received" and values[f"f_{code}"])]
    if values[f"f_{DURATION_FACT}"] and values["handling_workdays"] is not None:
        facts.append(f"{DAYS_PREFIX}{values['handling_workdays']}")
    keys = [(ALL, "")] + [(by, NONE_KEY if values[f"k_{by}"] is None else str(values[f"k_{by}"]))
                          for by in DIMENSIONS]
    for dimension, key in keys:
        for fact in facts:
            found[(month, dimension, key, fact)] += sign


def _written(session: Session, case_id: int, values) -> None:
    """A statement that wrote case ``case_id`` returned ``_columns`` (engine/core/case_writes.py):
    unless the case changes again in this transaction, its commit counts these values instead of
    reading the case once more."""
    pending = session.info.get(_PENDING)
    if pending is not None and case_id in pending.ids:
        pending.known[case_id] = dict(values)


_UPSERT: dict[str, object] = {}


def apply(session: Session, deltas: Counter) -> None:
    """Add the deltas to the summary (inserting rows it lacks)."""
    rows = [{"month": m, "dimension": d, "key": k, "fact": f, "n": n} for (m, d, k, f), n in deltas.items() if n]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement = _UPSERT.get(dialect)
    if statement is None:
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = insert(CaseStat.__table__)
        statement = _UPSERT[dialect] = statement.on_conflict_do_update(
            index_elements=["month", "dimension", "key", "fact"],
            set_={"n": CaseStat.__table__.c.n + statement.excluded.n})
    # Rows in key order: two transactions touching the same rows lock them in the same order.
    session.connection().execute(statement, sorted(rows, key=lambda r: (r["month"], r["dimension"], r["key"],
                                                                        r["fact"])))


def rebuild(session: Session, tz: str | ZoneInfo) -> int:
    """Empty the summary and count every case again (after a bulk load, or a change of time
    zone); returns the number of summary rows."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    # What this transaction changed before is counted here; later changes are tracked afresh.
    session.info.pop(_PENDING, None)
    session.connection().execute(delete(CaseStat.__table__))
    totals: Counter = Counter()
    top = session.connection().execute(select(func.max(Case.id))).scalar() or 0
    for start in range(0, top, 100_000):  # a million cases need not be in memory at once
        totals.update(contributions(session, (Case.id > start) & (Case.id <= start + 100_000), zone))
    apply(session, totals)
    return sum(1 for n in totals.values() if n)


# ---------------------------------------------------------------------------- keeping it


@contextmanager
def paused(write) -> Iterator[None]:
    """Leave the summary alone while the block writes cases, then ``rebuild`` it in one
    transaction of ``write`` (a ``Database.write``), even when the block fails.

    For one process seeding many cases (engine/demo.py) before anything reads the figures: the
    increments cost a fifth of each step there, and one count at the end gives the same rows.
    Only this context (thread) stops keeping it, so nothing else may write cases meanwhile."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)
        if _state["tz"] is not None:
            with write() as session:
                rebuild(session, _state["tz"])


def _watched_change(obj: Case) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in WATCHED)


@dataclass
class _Pending:
    """A transaction's part of the summary not yet applied: the "before" of each case it changed
    (read once, before its first change) and the ids whose "after" is read when it is applied."""

    deltas: Counter = field(default_factory=Counter)
    ids: set[int] = field(default_factory=set)
    fresh: list[Case] = field(default_factory=list)  # inserted, their ids known once flushed
    known: dict[int, dict] = field(default_factory=dict)  # "after" values a write returned (``_written``)


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending()
    return pending


def _before_flush(session: Session, _flush_context, _instances) -> None:
    if _paused.get():
        return
    changed = [o for o in session.dirty if isinstance(o, Case) and o.id is not None and _watched_change(o)]
    gone = [o for o in session.deleted if isinstance(o, Case) and o.id is not None]
    fresh = [o for o in session.new if isinstance(o, Case)]
    if not (changed or gone or fresh):
        return
    pending = _pending(session)
    for o in changed + gone:
        pending.known.pop(o.id, None)
    first = [o.id for o in changed + gone if o.id not in pending.ids]
    if first:
        pending.deltas.update(contributions(session, Case.id.in_(first), _state["tz"], -1))
        pending.ids.update(first)
    pending.fresh.extend(fresh)


def _after_flush(session: Session, _flush_context) -> None:
    pending = session.info.get(_PENDING)
    if pending is not None and pending.fresh:
        pending.ids.update(o.id for o in pending.fresh if o.id is not None)
        pending.fresh = [o for o in pending.fresh if o.id is None]


def flush_pending(session: Session) -> None:
    """Apply what this transaction changed to the summary: at commit, and before it is read."""
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    deltas = pending.deltas
    for values in pending.known.values():
        _add_row(deltas, values, _state["tz"], 1)
    unknown = sorted(pending.ids - pending.known.keys())
    if unknown:
        deltas.update(contributions(session, Case.id.in_(unknown), _state["tz"]))
    apply(session, deltas)


def _before_commit(session: Session) -> None:
    # Only the transaction's own commit: releasing a savepoint (engine/cases/numbering.py,
    # documents) is not the end of it.
    if session.in_nested_transaction():
        return
    if _PENDING not in session.info and not session.new and not session.dirty and not session.deleted:
        return
    # The commit's own flush comes after this event: flush first, so that it is counted too.
    session.flush()
    flush_pending(session)


def _after_transaction_end(session: Session, transaction) -> None:
    # Rolled back or closed without a commit: nothing of it reaches the summary.
    if transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


def _bulk_update(orm_execute_state):
    if _paused.get() or not orm_execute_state.is_update or orm_execute_state.bind_mapper is not inspect(Case):
        return None
    session, statement = orm_execute_state.session, orm_execute_state.statement
    where = statement.whereclause if statement.whereclause is not None else Case.id.is_not(None)
    ids = list(session.connection().execute(select(Case.id).where(where)).scalars())
    if not ids:
        return None
    pending = _pending(session)
    for i in ids:
        pending.known.pop(i, None)
    first = [i for i in ids if i not in pending.ids]
    if first:
        pending.deltas.update(contributions(session, Case.id.in_(first), _state["tz"], -1))
        pending.ids.update(first)
    return orm_execute_state.invoke_statement()


# ---------------------------------------------------------------------------- reading it


def _flush_before_reading(session: Session) -> None:
    # A transaction reads its own changes, as it would had they been applied at once.
    if session.in_transaction() and (_PENDING in session.info or session.new or session.dirty or session.deleted):
        session.flush()
        flush_pending(session)


def whole_county(scope) -> bool:
    """Whether a scope clause admits every case (an administrator, a supervisor at the county)."""
    if isinstance(scope, True_):
        return True
    if isinstance(scope, AsBoolean):
        return isinstance(scope.element, True_) and scope.operator is operators.is_true
    if isinstance(scope, BooleanClauseList):
        parts = [whole_county(c) for c in scope.clauses]
        return any(parts) if scope.operator is operators.or_ else all(parts)
    return False


def read(session: Session, months: Iterable[date], dimension: str) -> dict[str | None, dict[str, int]]:
    """{key: {fact: cases}} of the whole months for one dimension (key None: "none")."""
    months = list(months)
    if not months:
        return {}
    _flush_before_reading(session)
    rows = session.execute(select(CaseStat.key, CaseStat.fact, func.sum(CaseStat.n))
                           .where(CaseStat.dimension == dimension, CaseStat.month.in_(months))
                           .group_by(CaseStat.key, CaseStat.fact))
    found: dict[str | None, dict[str, int]] = {}
    for key, fact, n in rows:
        found.setdefault(None if key == NONE_KEY else key, {})[fact] = int(n or 0)
    return found


def read_months(session: Session, months: Iterable[date]) -> dict[date, dict[str, int]]:
    """{month: {fact: cases}} of every case, month by month (a trend by month)."""
    months = list(months)
    if not months:
        return {}
    _flush_before_reading(session)
    rows = session.execute(select(CaseStat.month, CaseStat.fact, CaseStat.n)
                           .where(CaseStat.dimension == ALL, CaseStat.month.in_(months)))
    found: dict[date, dict[str, int]] = {month: {} for month in months}
    for month, fact, n in rows:
        found[month][fact] = found[month].get(fact, 0) + int(n or 0)
    return found
