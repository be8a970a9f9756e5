"""Computing the measures: per slice with totals (``measure``), over time (``trend``), and towns or
departments ranked (``ranking``).

Each call is one aggregate query over the cases received in the period — every fact of
engine/measures/definitions.py counted with ``count(*) FILTER (WHERE …)`` — plus one for the
distribution of handling times (the median needs it; a handful of rows per slice, as handling
times are whole working days). Slices partition the cases (a case has exactly one key in each
dimension, "none" included), so the totals are the sum of the rows.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session

from engine.measures.definitions import (
    COUNT,
    DURATION,
    DURATION_FACT,
    FACTS,
    MEASURE_LIST,
    RATE,
    Duration,
    Measure,
    Rate,
    get_measure,
)
from engine.measures.periods import DAY, Period
from engine.measures.slices import (
    Filters,
    check_dimension,
    department_codes,
    key_column,
    key_of,
    labels,
    sort_key,
)
from engine.models import Case


@dataclass(frozen=True)
class Figures:
    """The facts of one slice (fact code → cases) and its handling times ({working days: cases});
    every measure is read from them."""

    counts: Mapping[str, int]
    histogram: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Figures:
        return cls({code: 0 for code in FACTS}, {})

    @classmethod
    def total(cls, parts: Iterable[Figures]) -> Figures:
        counts: Counter = Counter({code: 0 for code in FACTS})
        histogram: Counter = Counter()
        for part in parts:
            counts.update(part.counts)
            histogram.update(part.histogram)
        return cls(dict(counts), dict(histogram))

    def count(self, fact: str) -> int:
        return self.counts[fact]

    def rate(self, measure: Measure | str) -> Rate:
        m = _measure(measure)
        return Rate(self.counts[m.numerator], self.counts[m.denominator])

    def duration(self) -> Duration:
        return Duration.from_histogram(self.histogram)

    def value(self, measure: Measure | str) -> int | Rate | Duration:
        """A count, a Rate or the Duration, as the measure's kind says."""
        m = _measure(measure)
        if m.kind == RATE:
            return self.rate(m)
        if m.kind == DURATION:
            return self.duration()
        return self.counts[m.numerator]

    def as_dict(self) -> dict:
        """Every measure with its numerator, denominator and value (None when the denominator
        is 0), and the facts they are made of: the API's shape."""
        measures = {}
        for m in MEASURE_LIST:
            value = self.value(m)
            measures[m.code] = ({"numerator": value, "denominator": None, "value": value} if m.kind == COUNT
                                else value.as_dict())
        return {"facts": dict(self.counts), "measures": measures}


def _measure(measure: Measure | str) -> Measure:
    return measure if isinstance(measure, Measure) else get_measure(measure)


@dataclass(frozen=True)
class SliceRow:
    """One slice: its key (a code; None for "none": no place, no department), its Chinese label
    and its figures."""

    key: str | None
    label: str
    figures: Figures


@dataclass(frozen=True)
class Measured:
    period: Period
    by: str | None
    rows: list[SliceRow]
    total: Figures


@dataclass(frozen=True)
class TrendPoint:
    period: Period  # the bucket (a day, a week or a month, cut to the trend's period)
    figures: Figures


@dataclass(frozen=True)
class Ranked:
    rank: int
    row: SliceRow


# ---------------------------------------------------------------------------- queries


def base_conditions(session: Session, period: Period, *, scope, tz: str | ZoneInfo,
                    filters: Filters | None = None) -> list:
    """WHERE conditions of every figure: received in the period, within the viewer's scope
    (a condition on Case from engine/org/scopes.statistics_scope) and the filters."""
    start, end = period.utc_bounds(tz)
    return [Case.received_at >= start, Case.received_at < end, scope,
            *(filters or Filters()).conditions(session)]


def _fact_columns():
    return [func.count().filter(condition).label(code) if code != "received" else func.count().label(code)
            for code, condition in FACTS.items()]


def _aggregate(session: Session, conditions: list, key) -> dict:
    """{raw key: Figures} for the rows matching ``conditions``, grouped by ``key`` (None: one group)."""
    keys = [key.label("k")] if key is not None else []
    rows = session.execute(select(*keys, *_fact_columns()).where(*conditions)
                           .group_by(*keys)).all()
    counts = {}
    for row in rows:
        values = row._mapping
        counts[values["k"] if key is not None else None] = {code: int(values[code] or 0) for code in FACTS}
    histograms: dict = {}
    query = (select(*keys, Case.handling_workdays, func.count())
             .where(*conditions, FACTS[DURATION_FACT], Case.handling_workdays.is_not(None))
             .group_by(*keys, Case.handling_workdays))
    for row in session.execute(query).all():
        raw = row[0] if key is not None else None
        histograms.setdefault(raw, {})[int(row[-2])] = int(row[-1])
    return {raw: Figures(c, histograms.get(raw, {})) for raw, c in counts.items()}


def measure(session: Session, period: Period, *, scope, tz: str | ZoneInfo, filters: Filters | None = None,
            by: str | None = None) -> Measured:
    """Every measure for the cases received in ``period`` within ``scope`` and ``filters``, one
    row per key of dimension ``by`` that has cases (none given: no rows), and the totals.

    ``scope`` is a WHERE condition on Case: ``engine.org.scopes.statistics_scope(staff)`` for a
    person, ``sqlalchemy.true()`` for the whole county (a report the bureau issues).
    ``tz`` is the installation's time zone (``runtime.timezone``)."""
    by = check_dimension(by)
    conditions = base_conditions(session, period, scope=scope, tz=tz, filters=filters)
    if by is None:
        found = _aggregate(session, conditions, None)
        return Measured(period, None, [], found.get(None, Figures.empty()))
    found = _aggregate(session, conditions, key_column(by, session.get_bind().dialect.name))
    departments = department_codes(session) if by == "department" else {}
    keyed = {key_of(by, raw, departments): figures for raw, figures in found.items()}
    words = labels(session, by, keyed)
    rows = [SliceRow(key, words[key], keyed[key]) for key in sorted(keyed, key=lambda k: sort_key(by, k))]
    return Measured(period, by, rows, Figures.total(keyed.values()))


# ---------------------------------------------------------------------------- trend


def _local_day_pieces(period: Period, tz: ZoneInfo) -> list[tuple[datetime, datetime, timedelta]]:
    """The period's UTC range cut where the zone's offset changes (daylight saving): within each
    piece, local date = date(UTC time + offset). Asia/Shanghai gives one piece."""
    start, end = period.utc_bounds(tz)
    pieces = []
    lo = start
    while lo < end:
        offset = lo.astimezone(tz).utcoffset()
        hi = end
        if (end - timedelta(seconds=1)).astimezone(tz).utcoffset() != offset:
            # Find the first instant with another offset (to the second).
            a, b = lo, end - timedelta(seconds=1)
            while b - a > timedelta(seconds=1):
                mid = a + (b - a) / 2
                if mid.astimezone(tz).utcoffset() == offset:
                    a = mid
                else:
                    b = mid
            hi = b.replace(microsecond=0)
        pieces.append((lo, hi, offset))
        lo = hi
    return pieces


def _as_date(value) -> date:
    return value if isinstance(value, date) and not isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def daily(session: Session, period: Period, *, scope, tz: str | ZoneInfo,
          filters: Filters | None = None) -> dict[date, Figures]:
    """{local date of receipt: figures} for the days of ``period`` that have cases."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    conditions = base_conditions(session, period, scope=scope, tz=zone, filters=filters)
    if session.get_bind().dialect.name == "postgresql":
        found = _aggregate(session, conditions, cast(func.timezone(zone.key, Case.received_at), Date))
        return {_as_date(raw): figures for raw, figures in found.items()}
    days: dict[date, list[Figures]] = {}
    for lo, hi, offset in _local_day_pieces(period, zone):
        shift = f"{int(offset.total_seconds()):+d} seconds"
        found = _aggregate(session, [*conditions, Case.received_at >= lo, Case.received_at < hi],
                           func.date(Case.received_at, shift))
        for raw, figures in found.items():
            days.setdefault(_as_date(raw), []).append(figures)
    return {day: Figures.total(parts) for day, parts in days.items()}


def trend(session: Session, period: Period, *, scope, tz: str | ZoneInfo, bucket: str = DAY,
          filters: Filters | None = None) -> list[TrendPoint]:
    """The figures of each day, week (Monday–Sunday) or month of ``period``, every bucket present
    (empty ones with zero counts and rates without value)."""
    buckets = period.buckets(bucket)
    by_day = daily(session, period, scope=scope, tz=tz, filters=filters)
    grouped: dict[date, list[Figures]] = {b.start: [] for b in buckets}
    for day, figures in by_day.items():
        grouped[period.bucket_of(day, bucket)].append(figures)
    return [TrendPoint(b, Figures.total(grouped[b.start])) for b in buckets]


# ---------------------------------------------------------------------------- ranking

RANKED_BY = ("closure_rate", "on_time_rate")


def _rank_value(figures: Figures) -> tuple:
    values = tuple(figures.rate(code).value for code in RANKED_BY)
    # No value (nothing accepted, nothing closed) ranks below every value, even 0%.
    return tuple(-1.0 if v is None else v for v in values)


def ranking(session: Session, period: Period, *, scope, tz: str | ZoneInfo, by: str = "town",
            filters: Filters | None = None) -> list[Ranked]:
    """Slices (towns, departments, …) ranked: by 办结率 (closed ÷ accepted) from high to low,
    ties by 按时办结率 (closed on time ÷ closed); a rate without value ("—") ranks below 0%.
    Slices still tied share a rank (1, 1, 3 …) and are listed by more cases accepted, then in
    the dimension's order. Cases without the dimension (no place, no department) are not ranked."""
    measured = measure(session, period, scope=scope, tz=tz, filters=filters, by=by)
    rows = [row for row in measured.rows if row.key is not None]
    rows.sort(key=lambda r: (tuple(-v for v in _rank_value(r.figures)), -r.figures.count("accepted"),
                             sort_key(by, r.key)))
    ranked, previous, rank = [], None, 0
    for position, row in enumerate(rows, start=1):
        value = _rank_value(row.figures)
        if value != previous:
            rank, previous = position, value
        ranked.append(Ranked(rank, row))
    return ranked
