"""Working-day calendar for statutory complaint-handling deadlines.

Chinese administrative time limits are counted in working days: the day a
stage starts does not count, day 1 is the next working day, and a limit of
N working days runs out at 24:00 local time of the Nth working day.  Public
holidays and the weekend days swapped into make-up workdays (调休) come from
the ``chinese_calendar`` package; an administrator can override single days
and declare that a year's holidays have been entered by hand.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = ["WorkCalendar"]

_ONE_DAY = timedelta(days=1)


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")


def _check_days(days: object) -> int:
    # bool is an int subclass; True as "1 day" is almost certainly a bug upstream.
    if isinstance(days, bool) or not isinstance(days, int):
        raise ValueError(f"days must be an integer, got {days!r}")
    if days < 0:
        raise ValueError(f"days must not be negative, got {days}")
    return days


def _check_hours(hours: object) -> float:
    if isinstance(hours, bool) or not isinstance(hours, (int, float)):
        raise ValueError(f"hours must be a number, got {hours!r}")
    if not math.isfinite(hours) or hours < 0:
        raise ValueError(f"hours must be a finite non-negative number, got {hours}")
    return float(hours)


def _exactly_one(days: int | None, hours: float | None) -> None:
    if (days is None) == (hours is None):
        raise ValueError("give exactly one of days= or hours=")


@functools.cache
def _base_year(year: int) -> tuple[bool, tuple[bool, ...]]:
    """(package covers year, workday flag per day) before any overrides.

    Shared by all instances: the package data never changes at runtime, and
    callers may well build a fresh calendar per request from the DB overrides.
    """
    first = date(year, 1, 1)
    days = [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]
    try:
        return True, tuple(chinese_calendar.is_workday(d) for d in days)
    except NotImplementedError:
        return False, tuple(d.weekday() < 5 for d in days)


class WorkCalendar:
    """Answers "is this a working day" and computes deadlines from it.

    Precedence for a single day: administrator override, then package data,
    then plain Mon-Fri for years the package does not know.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        entered_years: Iterable[int] = (),
        tz: str | ZoneInfo = "Asia/Shanghai",
    ) -> None:
        self.tz: ZoneInfo = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self._overrides: dict[date, bool] = {self._as_date(d): bool(v) for d, v in (overrides or {}).items()}
        self._entered_years: frozenset[int] = frozenset(int(y) for y in entered_years)
        # One flag per day of the year, built on first use.  The engine asks
        # for deadlines at every step, so a 90-day deadline must be a few
        # hundred list lookups, not a few hundred package calls.
        self._year_table: dict[int, list[bool]] = {}

    # ------------------------------------------------------------------ days

    @staticmethod
    def _as_date(d: date) -> date:
        # datetime is a subclass of date; keep dict keys and comparisons on plain dates.
        return d.date() if isinstance(d, datetime) else d

    def _table(self, year: int) -> list[bool]:
        table = self._year_table.get(year)
        if table is None:
            table = list(_base_year(year)[1])
            first = date(year, 1, 1).toordinal()
            for d, workday in self._overrides.items():
                if d.year == year:
                    table[d.toordinal() - first] = workday
            self._year_table[year] = table
        return table

    def is_workday(self, d: date) -> bool:
        d = self._as_date(d)
        return self._table(d.year)[d.toordinal() - date(d.year, 1, 1).toordinal()]

    def is_covered(self, year: int) -> bool:
        """True when holidays for *year* are known (package or entered by an admin)."""
        return year in self._entered_years or _base_year(year)[0]

    def uncovered_years(self, start: date, end: date) -> list[int]:
        """Years in [start, end] whose holidays are guessed as plain weekends."""
        lo, hi = sorted((self._as_date(start).year, self._as_date(end).year))
        return [y for y in range(lo, hi + 1) if not self.is_covered(y)]

    def nth_workday_after(self, d: date, n: int) -> date:
        n = _check_days(n)
        d = self._as_date(d)
        while n > 0:
            d += _ONE_DAY
            if self.is_workday(d):
                n -= 1
        return d

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days from *start* to *end* by the counting rule: the local day of *start*
        does not count, each working day after it up to and including the local day of *end*
        does (accepted and closed on the same day: 0). Negative order gives 0."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        d, last = self._local_date(start), self._local_date(end)
        count = 0
        while d < last:
            d += _ONE_DAY
            if self.is_workday(d):
                count += 1
        return count

    # ------------------------------------------------------------- instants

    def _local_date(self, moment: datetime) -> date:
        # The counting day is the local calendar date: 23:30 in Shanghai is
        # still "today" even though it is 15:30 UTC of the same day, and
        # 16:00 UTC is already tomorrow.
        return moment.astimezone(self.tz).date()

    def _end_of(self, d: date) -> datetime:
        """24:00 local of *d*, i.e. the start of the next local day, in UTC."""
        return datetime.combine(d + _ONE_DAY, time(0), tzinfo=self.tz).astimezone(timezone.utc)

    def _start_of(self, d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=self.tz).astimezone(timezone.utc)

    def deadline(self, start: datetime, days: int | None = None, hours: float | None = None) -> datetime:
        """Moment the time limit runs out, as an aware UTC datetime."""
        _require_aware(start, "start")
        _exactly_one(days, hours)
        if hours is not None:
            return start.astimezone(timezone.utc) + timedelta(hours=_check_hours(hours))
        last_day = self.nth_workday_after(self._local_date(start), _check_days(days))
        return self._end_of(last_day)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        return self.deadline(start, days=days)

    def warning(self, start: datetime, days: int | None = None, hours: float | None = None) -> datetime:
        """Moment the case turns yellow: <= 1 working day or <= 20% of the time left."""
        _require_aware(start, "start")
        _exactly_one(days, hours)
        if hours is not None:
            duration = timedelta(hours=_check_hours(hours))
            return start.astimezone(timezone.utc) + duration - duration / 5
        n = _check_days(days)
        if n == 0:
            # Less than one working day is left from the outset.
            return start.astimezone(timezone.utc)
        # ceil(N / 5) in integers: 0.2 * 30 is 6.000000000000001 in floats.
        k = max(1, -(-n // 5))
        return self._end_of(self.nth_workday_after(self._local_date(start), n - k))

    def working_days_left(self, now: datetime, due: datetime) -> float:
        """Working time between *now* and *due*, in working days.

        Before the deadline each working day counts as one unit spread over
        its 24 local hours, so the current day contributes the fraction still
        ahead (e.g. 2.5).  Rest days count nothing.  After the deadline the
        result is minus the number of working days that have begun since
        *due* (Monday 10:00 after a Friday-night deadline gives -1.0); it is
        0.0 when only rest days have passed, so callers decide "overdue" by
        comparing now with due, not by the sign of this number.
        """
        _require_aware(now, "now")
        _require_aware(due, "due")
        now = now.astimezone(timezone.utc)
        due = due.astimezone(timezone.utc)
        if now <= due:
            return self._working_time(now, due)
        # Rounding first keeps float noise (e.g. 2.0000000000000004) from
        # turning two elapsed working days into three.
        return -float(math.ceil(round(self._working_time(due, now), 9)))

    def _working_time(self, lo: datetime, hi: datetime) -> float:
        total = 0.0
        d = self._local_date(lo)
        last = self._local_date(hi)
        while d <= last:
            if self.is_workday(d):
                day_start, day_end = self._start_of(d), self._end_of(d)
                overlap = min(hi, day_end) - max(lo, day_start)
                if overlap > timedelta(0):
                    # Divide by the real day length so DST zones stay exact.
                    total += overlap / (day_end - day_start)
            d += _ONE_DAY
        return total
