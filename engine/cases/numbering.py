"""Case numbers 环字〔2026〕第000123号 and public tracking codes.

Numbers have no gaps: each is counted on a per-year row (``case_counter``) inside the registering
transaction, so a registration that rolls back gives its number back. That row stays locked until
the transaction commits, and every registration needs it: taken when the case row was first
written, it made concurrent registrations wait for each other's whole first step
(bench/engine_bench.py, start_per_s_4c). So intake writes the case under a provisional number
(``provisional_number``) and the first hook after its first step (``from_step``,
engine/bootstrap.py) gives it its real one: after the workflow has run, before anything that shows
the number (notifications, text messages, documents) is made. The row is then locked only for the
rest of the step and its commit. A provisional number is never committed.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import String, bindparam, cast, exists, func, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from engine.core import case_writes, counters
from engine.models import Case, CaseCounter

# The serial part's digits at least (第000123号).
_DIGITS = 6
# No 0/O/1/I: tracking codes are read out over the phone.
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _number(year: int, last) -> str:
    """The number of the ``last``-th case of ``year``; ``last`` a count, or a SQL expression."""
    head, tail = f"环字〔{year}〕第", "号"
    if isinstance(last, int):
        return f"{head}{last:0{_DIGITS}d}{tail}"
    digits = cast(last, String)
    return literal(head) + func.lpad(digits, func.greatest(_DIGITS, func.length(digits)), "0") + literal(tail)


def next_case_number(session: Session, now: datetime, tz: str) -> str:
    year = now.astimezone(ZoneInfo(tz)).year
    return _number(year, counters.bump(session, CaseCounter, year=year))


_IN_PLACE: dict[tuple[int, bool], object] = {}


def _number_in_place(session: Session, case: Case, now: datetime, tz: str) -> bool:
    """PostgreSQL: count on and write the case's number in one statement (the counter row's
    UPDATE in a WITH), returning what the monthly summary counts of the case, so that its commit
    need not read it again (engine/core/case_writes.py); False when the year has no counter
    row yet."""
    year = now.astimezone(ZoneInfo(tz)).year
    returned = case_writes.columns("postgresql")
    shape = (year, bool(returned))  # whether the summary listens: one provider, its columns fixed
    statement = _IN_PLACE.get(shape)
    if statement is None:  # built once a year: building it cost more CPU than running it
        bumped = counters.bump_statement(CaseCounter, year=year).cte("bumped")
        cases = Case.__table__
        last = select(bumped.c.last).scalar_subquery()
        statement = _IN_PLACE[shape] = update(cases) \
            .where(cases.c.id == bindparam("case_id"), exists(select(bumped.c.last))) \
            .values(number=_number(year, last)) \
            .returning(cases.c.number, *returned)
    row = session.connection().execute(statement, {"case_id": case.id}).first()
    if row is None:
        return False
    set_committed_value(case, "number", row.number)  # written already
    if returned:
        case_writes.written(session, case.id, row._mapping)
    return True


# Never a real number's shape (环字〔…〕); unique through the tracking code it carries.
_PROVISIONAL = "provisional:"


def provisional_number(tracking: str) -> str:
    return f"{_PROVISIONAL}{tracking}"


def is_provisional(number: str | None) -> bool:
    return bool(number) and number.startswith(_PROVISIONAL)


def from_step(outcome) -> None:
    """After a case's first step: its real number in place of the provisional one."""
    ctx = outcome.context
    if ctx.case is not None and is_provisional(ctx.case.number):
        received = ctx.case.received_at
        if received.tzinfo is None:  # read back from SQLite: naive UTC
            received = received.replace(tzinfo=timezone.utc)
        # The step's own writes go out first, so that the counter row is locked only for what follows.
        ctx.session.flush()
        if ctx.session.get_bind().dialect.name == "postgresql" and \
                _number_in_place(ctx.session, ctx.case, received, ctx.timezone.key):
            return
        ctx.case.number = next_case_number(ctx.session, received, ctx.timezone.key)


def tracking_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))
