"""The deadline functions a diagram's timer expressions call: ``now()``, ``deadline(start, days,
urgent_hours)``, ``warning(...)`` and ``day_end(date)``, counted on the step's working calendar, and
``morning_of(day)`` for a timer set to a date people agreed on (a leader's next progress check).

They return ISO-8601 strings with an explicit offset, because SpiffWorkflow reads an offset-less
timeDate in server-local time.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from engine.core.errors import WorkflowFault
from engine.core.step_context import StepContext


def _parse(value: str | datetime) -> datetime:
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if when.tzinfo is None:
        raise WorkflowFault(f"time {value!r} has no timezone offset")
    return when


def deadline_functions(ctx: StepContext) -> dict[str, Callable[..., Any]]:
    def now() -> str:
        return ctx.now().isoformat()

    def _limit(days: int, urgent_hours: float | None) -> dict[str, Any]:
        # Urgent matters (ongoing discharge, odour, fire) run on hours, not working days.
        if urgent_hours is not None and ctx.case is not None and ctx.case.urgent:
            return {"hours": urgent_hours}
        return {"days": int(days)}

    def deadline(start: str, days: int, urgent_hours: float | None = None) -> str:
        """Due moment of a stage: N working days after start, or hours for urgent cases."""
        return ctx.calendar.deadline(_parse(start), **_limit(days, urgent_hours)).isoformat()

    def warning(start: str, days: int, urgent_hours: float | None = None) -> str:
        return ctx.calendar.warning(_parse(start), **_limit(days, urgent_hours)).isoformat()

    def morning_of(day: str) -> str:
        """09:00 local time on ``day`` (an ISO date, or a moment whose local date is meant): when
        office work starts, so a reminder for that date is waiting as the day begins."""
        if not isinstance(day, str) or not day:
            raise WorkflowFault(f"morning_of() needs a date, got {day!r}")
        try:
            local = date.fromisoformat(day) if len(day) == 10 else \
                _parse(day).astimezone(ctx.timezone).date()
        except ValueError:
            raise WorkflowFault(f"morning_of() needs a date, got {day!r}") from None
        return datetime.combine(local, MORNING, tzinfo=ctx.timezone).isoformat()


    def day_end(day: str | None) -> str:
        """24:00 local time of a date (a report-by date typed as YYYY-MM-DD): the moment it has passed."""
        if not day:
            raise WorkflowFault("day_end needs a date")
        try:
            when = date.fromisoformat(str(day)[:10])
        except ValueError:
            raise WorkflowFault(f"day_end: {day!r} is not a date (YYYY-MM-DD)") from None
        start = datetime.combine(when, time(0), tzinfo=ctx.timezone)
        return (start + timedelta(days=1)).astimezone(timezone.utc).isoformat()

    return {"now": now, "deadline": deadline, "warning": warning, "morning_of": morning_of, "day_end": day_end}


MORNING = time(9, 0)
