"""Case numbers 环字〔2026〕第000123号 and public tracking codes."""
from __future__ import annotations

import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.models import CaseCounter

# No 0/O/1/I: tracking codes are read out over the phone.
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def next_case_number(session: Session, now: datetime, tz: str) -> str:
    year = now.astimezone(ZoneInfo(tz)).year
    counter = session.scalars(select(CaseCounter).where(CaseCounter.year == year).with_for_update()).first()
    if counter is None:
        # The first case of a year: two registrations may race to create the counter row.
        try:
            with session.begin_nested():
                session.add(CaseCounter(year=year, last=0))
        except IntegrityError:
            pass
        counter = session.scalars(select(CaseCounter).where(CaseCounter.year == year).with_for_update()).one()
    counter.last += 1
    session.flush()
    return f"环字〔{year}〕第{counter.last:06d}号"


def tracking_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(10))
