"""Periods of local dates: today, this week, this month, this year or any range; the period before
(for side-by-side reports); their bounds in UTC; and the trend buckets inside them.

A period is a range of *local* calendar dates, both ends included, in the installation's time
zone (``GREENLOOP_TIMEZONE``, Asia/Shanghai by default). Times are stored in UTC, so a period
becomes the half-open UTC range [00:00 local of the first day, 00:00 local of the day after
the last): a case received at 23:30 local on the last day belongs to the period, one received
at 00:00 local the next day does not.
"""
from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from engine.core.errors import FormInvalid

# Kinds of period (the presets) and of trend bucket.
DAY, WEEK, MONTH, YEAR, CUSTOM = "day", "week", "month", "year", "custom"
PRESETS = (DAY, WEEK, MONTH, YEAR)
BUCKETS = (DAY, WEEK, MONTH)
# Wider than any report needs (ten years); keeps a typo like 20266 from asking for millennia.
MAX_DAYS = 3660
# Daily trend points beyond a year are unreadable on a chart and slow to send.
MAX_BUCKETS = 400

_ONE_DAY = timedelta(days=1)


def _zone(tz: str | ZoneInfo) -> ZoneInfo:
    return tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)


def _add_months(d: date, months: int) -> date:
    """The first of the month ``months`` after d's month."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(d: date) -> date:
    return date(d.year, d.month, _calendar.monthrange(d.year, d.month)[1])


def _bucket_start(d: date, kind: str) -> date:
    if kind == WEEK:
        return d - timedelta(days=d.weekday())  # Monday: the Chinese working week
    if kind == MONTH:
        return d.replace(day=1)
    if kind == YEAR:
        return date(d.year, 1, 1)
    return d


def _bucket_end(start: date, kind: str) -> date:
    if kind == WEEK:
        return start + timedelta(days=6)
    if kind == MONTH:
        return _month_end(start)
    if kind == YEAR:
        return date(start.year, 12, 31)
    return start


@dataclass(frozen=True)
class Period:
    """Local dates ``start`` … ``end``, both included. ``kind`` says how it was chosen (a preset
    or ``custom``): it decides what ``previous`` means."""

    start: date
    end: date
    kind: str = CUSTOM

    def __post_init__(self):
        if self.end < self.start:
            raise FormInvalid({"to": ["结束日期早于开始日期 (the end date is before the start date)"]})
        if self.days > MAX_DAYS:
            raise FormInvalid({"to": [f"统计区间最长 {MAX_DAYS} 天 (a period spans at most {MAX_DAYS} days)"]})

    # ------------------------------------------------------------ making one

    @classmethod
    def preset(cls, kind: str, today: date) -> Period:
        """The day, week (Monday–Sunday), month or year that contains ``today``."""
        if kind not in PRESETS:
            raise FormInvalid({"period": [f"未知的统计区间 {kind} (unknown period; one of {', '.join(PRESETS)})"]})
        start = _bucket_start(today, kind)
        return cls(start, _bucket_end(start, kind), kind)

    @classmethod
    def custom(cls, start: date, end: date) -> Period:
        """Any range of dates; a range that is exactly one preset's span keeps that kind, so its
        previous period is the previous month (or week, year) rather than the same number of days."""
        for kind in PRESETS:
            if _bucket_start(start, kind) == start and _bucket_end(start, kind) == end:
                return cls(start, end, kind)
        return cls(start, end, CUSTOM)

    @classmethod
    def containing(cls, moment: datetime, kind: str, tz: str | ZoneInfo) -> Period:
        """The preset period containing an instant (the clock's now), in local time."""
        return cls.preset(kind, moment.astimezone(_zone(tz)).date())

    # ------------------------------------------------------------ questions

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __contains__(self, d: date) -> bool:
        return self.start <= d <= self.end

    def previous(self) -> Period:
        """The period of equal kind just before: yesterday, last week, last month, last year, or
        for a custom range the same number of days ending the day before it starts (环比)."""
        if self.kind in (WEEK, DAY):
            shift = timedelta(days=7 if self.kind == WEEK else 1)
            return Period(self.start - shift, self.end - shift, self.kind)
        if self.kind == MONTH:
            start = _add_months(self.start, -1)
            return Period(start, _month_end(start), MONTH)
        if self.kind == YEAR:
            return Period(date(self.start.year - 1, 1, 1), date(self.start.year - 1, 12, 31), YEAR)
        return Period(self.start - timedelta(days=self.days), self.start - _ONE_DAY, CUSTOM)

    def year_before(self) -> Period:
        """The same dates a year earlier (同比); 29 February becomes the 28th."""
        def back(d: date) -> date:
            return d.replace(year=d.year - 1, day=min(d.day, _calendar.monthrange(d.year - 1, d.month)[1]))
        if self.kind == WEEK:  # 52 weeks back: still Monday to Sunday
            shift = timedelta(days=364)
            return Period(self.start - shift, self.end - shift, self.kind)
        start, end = back(self.start), back(self.end)
        if self.kind == MONTH:
            end = _month_end(start)
        return Period(start, end, self.kind)

    def utc_bounds(self, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
        """[first instant, first instant after) in UTC: 00:00 local of ``start`` and of the day
        after ``end``."""
        zone = _zone(tz)
        return (datetime.combine(self.start, time(0), tzinfo=zone).astimezone(timezone.utc),
                datetime.combine(self.end + _ONE_DAY, time(0), tzinfo=zone).astimezone(timezone.utc))

    def buckets(self, kind: str) -> list[Period]:
        """The days, weeks or months of a trend, in order; the first and last are cut to the
        period (a month trend of 15 March – 14 May has 15–31 March, April, 1–14 May)."""
        if kind not in BUCKETS:
            raise FormInvalid({"bucket": [f"未知的趋势粒度 {kind} (unknown bucket; one of {', '.join(BUCKETS)})"]})
        out = []
        start = _bucket_start(self.start, kind)
        while start <= self.end:
            end = _bucket_end(start, kind)
            out.append(Period(max(start, self.start), min(end, self.end), kind))
            start = end + _ONE_DAY
            if len(out) > MAX_BUCKETS:
                raise FormInvalid({"bucket": [f"趋势点超过 {MAX_BUCKETS} 个，请按周或按月 "
                                              f"(more than {MAX_BUCKETS} points: choose weeks or months)"]})
        return out

    def bucket_of(self, d: date, kind: str) -> date:
        """The first day of the bucket of ``kind`` holding ``d``, cut to the period."""
        return max(_bucket_start(d, kind), self.start)

    def __str__(self) -> str:
        return self.start.isoformat() if self.days == 1 else f"{self.start.isoformat()} – {self.end.isoformat()}"


def parse_date(text: str, field: str) -> date:
    """A ``YYYY-MM-DD`` query value, or a FormInvalid naming the field."""
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError:
        raise FormInvalid({field: [f"日期格式应为 YYYY-MM-DD (a date like 2026-03-31): {text[:20]!r}"]}) from None
    if not 1970 <= value.year <= 2999:
        raise FormInvalid({field: ["日期须在 1970 至 2999 年之间 (a date between 1970 and 2999)"]})
    return value


def period_from(args, today: date) -> Period:
    """The period a query asks for: ``period=day|week|month|year`` (default ``month``), or
    ``from`` and ``to`` dates (both, inclusive), which win over ``period``."""
    start, end = args.get("from") or "", args.get("to") or ""
    if start or end:
        if not (start and end):
            missing = "to" if start else "from"
            raise FormInvalid({missing: ["请同时给出起止日期 (give both from and to)"]})
        return Period.custom(parse_date(start, "from"), parse_date(end, "to"))
    return Period.preset(args.get("period") or MONTH, today)
