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

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.models import CaseCounter

# No 0/O/1/I: tracking codes are read out over the phone.
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def next_case_number(session: Session, now: datetime, tz: str) -> str:
    year = now.astimezone(ZoneInfo(tz)).year
    # One statement: the row lock is taken and the number counted on at once.
    bump = update(CaseCounter).where(CaseCounter.year == year).values(last=CaseCounter.last + 1) \
        .returning(CaseCounter.last).execution_options(synchronize_session=False)
    last = session.scalar(bump)
    if last is None:
        # The first case of a year: two registrations may race to create the counter row.
        try:
            with session.begin_nested():
                session.add(CaseCounter(year=year, last=0))
        except IntegrityError:
            pass
        last = session.scalars(bump).one()
    return f"环字〔{year}〕第{last:06d}号"


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
        with ctx.session.no_autoflush:  # the number goes out with the step's other changes to the case
            ctx.case.number = next_case_number(ctx.session, received, ctx.timezone.key)


def tracking_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))
