"""How often a point is patrolled, and the slots that follow from it.

The setting gives, per grid level, the interval between patrols in **working days** (field work
stops at weekends and holidays like the rest of the bureau, so a due date that falls on one moves
to the next working day via engine/calendar): village every 2 working days, work area twice a
week (every 2.5 working days), town weekly (every 5). A point may override its level's interval.

Slot k of a point covers the working days after slot k-1's last one up to working day
ceil((k+1) × interval), counted from the point's anchor day (its first working day is day 1): an
interval of 2.5 gives slots ending on days 3, 5, 8, 10 … — exactly twice in five working days.
A patrol is due by 24:00 of its slot's last day and turns yellow at 00:00 of that day.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction

from sqlalchemy.orm import Session

from engine.core.errors import FormInvalid
from engine.models import AuditEvent
from engine.models.documents import Setting

SETTING_KEY = "patrol"
LEVELS = ("village", "area", "town")
DEFAULT_EVERY = {"village": 2.0, "area": 2.5, "town": 5.0}
# A check-in further than this from its point is accepted and flagged.
DEFAULT_FAR_METRES = 300
EVERY_RANGE = (0.5, 60.0)
FAR_RANGE = (10, 50_000)


@dataclass(frozen=True)
class PatrolSettings:
    every: dict[str, float]
    far_metres: int

    def interval(self, level: str, override: float | None) -> float:
        if override:
            return override
        return self.every.get(level, DEFAULT_EVERY["town"])


def load(session: Session) -> PatrolSettings:
    row = session.get(Setting, SETTING_KEY)
    value = row.value if row else {}
    every = {**DEFAULT_EVERY, **{k: float(v) for k, v in (value.get("every") or {}).items() if k in LEVELS}}
    return PatrolSettings(every=every, far_metres=int(value.get("far_metres") or DEFAULT_FAR_METRES))


EVERY_MESSAGE = "请填写 0.5 至 60 之间、以 0.5 为单位的工作日数 (working days from 0.5 to 60, in steps of 0.5)"
FAR_MESSAGE = "请填写 10 至 50000 之间的整数米数 (whole metres from 10 to 50000)"


def check_every(raw: object, field: str, problems: dict[str, list[str]]) -> float | None:
    try:
        value = float(str(raw).strip())
    except (TypeError, ValueError):
        value = float("nan")
    if not math.isfinite(value) or not EVERY_RANGE[0] <= value <= EVERY_RANGE[1] or value * 2 != int(value * 2):
        problems.setdefault(field, []).append(EVERY_MESSAGE)
        return None
    return value


def save(session: Session, values: dict, *, actor: str, now: datetime) -> PatrolSettings:
    """Store the intervals (``every_<level>``) and the far threshold (``far_metres``); raises
    FormInvalid with every field's problem, changing nothing."""
    problems: dict[str, list[str]] = {}
    every = {level: check_every(values.get(f"every_{level}"), f"every_{level}", problems) for level in LEVELS}
    try:
        far = int(str(values.get("far_metres", "")).strip())
        if not FAR_RANGE[0] <= far <= FAR_RANGE[1]:
            raise ValueError
    except ValueError:
        problems.setdefault("far_metres", []).append(FAR_MESSAGE)
        far = None
    if problems:
        raise FormInvalid(problems)
    value = {"every": every, "far_metres": far}
    row = session.get(Setting, SETTING_KEY)
    before = row.value if row else None
    if row is None:
        row = Setting(key=SETTING_KEY, value=value, updated_by=actor, updated_at=now)
        session.add(row)
    else:
        row.value, row.updated_by, row.updated_at = value, actor, now
    session.add(AuditEvent(at=now, actor=actor, kind="setting_changed",
                           detail={"key": SETTING_KEY, "before": before, "after": value}))
    return load(session)


def _last_day_number(k: int, every: float) -> int:
    # Exact arithmetic: 2.5 × 3 must be 7.5, rounded up to 8, never 7.500000001 → 8 by luck.
    return math.ceil((k + 1) * Fraction(str(every)))


@dataclass(frozen=True)
class Slot:
    number: int
    first_day: date
    last_day: date


def slot(calendar, anchor: date, every: float, k: int) -> Slot:
    """Slot ``k`` of a point anchored on ``anchor`` (a local date) with this interval."""
    before = anchor - timedelta(days=1)
    last = calendar.nth_workday_after(before, _last_day_number(k, every))
    first = (calendar.nth_workday_after(before, 1) if k == 0
             else calendar.nth_workday_after(calendar.nth_workday_after(before, _last_day_number(k - 1, every)), 1))
    return Slot(k, first, last)


def start_of(day: date, tz) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def end_of(day: date, tz) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
