"""Case numbers 环字〔2026〕第000123号 and public tracking codes."""
from __future__ import annotations

import secrets
from datetime import datetime
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


def tracking_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))
