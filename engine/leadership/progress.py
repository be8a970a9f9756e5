"""A progress check's (调度) row and audit event, and the rule for its next date: shared by the
page that records a check (engine/leadership/records.py) and the reminder's form
(engine/leadership/reminders.py)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from engine.leadership.errors import Problems
from engine.models import Case, LeaderRecord

NEXT_CHECK_WITHIN = timedelta(days=366)


def parse_date(value: str | date | None, name: str, problems: Problems, *, required: bool) -> date | None:
    if isinstance(value, date):
        return value
    text = (value or "").strip()
    if not text:
        if required:
            problems.add(name, "required")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.add(name, "bad_date")
        return None


def check_next(value, now: date, problems: Problems) -> date | None:
    """A next check date: optional, after today, within a year."""
    when = parse_date(value, "next_check", problems, required=False)
    if when is not None and when <= now:
        problems.add("next_check", "not_after_today")
    elif when is not None and when > now + NEXT_CHECK_WITHIN:
        problems.add("next_check", "too_far")
    return when


def write_check(session: Session, case: Case, *, leader_id: int, held_on: date, decisions: str,
                next_check: date | None, actor: str, at: datetime,
                record: Callable[..., None]) -> LeaderRecord:
    """The row and the audit event of a check (``record(kind, **detail)`` adds the event: the
    caller's own, or the engine step's when the reminder's form recorded it)."""
    row = LeaderRecord(case_id=case.id, kind="check", leader_id=leader_id, held_on=held_on,
                       next_check=next_check, content={"decisions": decisions}, recorded_by=actor,
                       recorded_at=at)
    session.add(row)
    session.flush()
    record("leader_check", record=row.id, held_on=held_on.isoformat(), decisions=decisions,
           next_check=next_check.isoformat() if next_check else None)
    return row
