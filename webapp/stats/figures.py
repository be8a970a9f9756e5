"""The module's results (engine/measures) as the page shows them: each figure a text and the
case list behind it, rows of a breakdown or ranking, and the data of the charts.

Nothing here computes a measure: counts, rates ("—" without a denominator) and handling times are
read from ``Figures``; the case-list links are the module's ``DrillDown`` arguments, so a number
and the list it opens count the same cases.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import gettext

from engine.measures import (
    MEASURE_LIST,
    MEASURES_BY_CODE,
    NO_VALUE,
    DrillDown,
    Figures,
    Measure,
    Period,
    Ranked,
    SliceRow,
    TrendPoint,
)
from engine.measures.compute import RANKED_BY
from engine.measures.definitions import COUNT, DENOMINATOR, DURATION, NUMERATOR, RATE
from webapp.labels import MEASURES as MEASURE_NAMES
from webapp.stats.choice import Choice

# Dimensions whose keys are vocabulary codes: their labels are message ids to translate. Places
# and departments are named by the administrator and shown as written.
TRANSLATED_DIMENSIONS = ("category", "channel", "tier")
# What the trend and breakdown charts draw: two counts as bars and a rate as a line.
CHART_COUNTS = ("received", "closed")
CHART_RATE = "closure_rate"
# The ranking table's measures: what the ranking orders by, then the cases accepted.
RANKING_COLUMNS = (*RANKED_BY, "accepted")


@dataclass(frozen=True)
class Link:
    """A number and the address of the cases it counts."""

    text: str
    href: str


@dataclass(frozen=True)
class Cell:
    """One measure of one slice: its value (a Link, or "—" when a rate has no denominator) and,
    for a rate or a duration, the counts it is made of."""

    code: str
    kind: str
    name: str
    value: Link | str
    parts: tuple[tuple[str, Link], ...] = ()
    # The value for a chart: a count, a percentage, working days; None when there is none.
    number: float | None = None


@dataclass(frozen=True)
class Row:
    key: str | None
    label: str
    cells: dict[str, Cell]
    rank: int | None = None


Linker = Callable[[str, str], str]


def linker(choice: Choice, period: Period | None = None, by: str | None = None, key: str | None = None) -> Linker:
    """(measure, side) → the case list of that side of the measure, in ``period`` (the choice's
    by default) and the choice's filters, within one slice when ``by`` is given."""

    def href(measure: str, side: str = NUMERATOR) -> str:
        drill = DrillDown(period or choice.period, measure, side, choice.filters, by, key)
        return url_for("cases.index", **drill.as_args())

    return href


def measure_name(measure: Measure) -> str:
    return str(MEASURE_NAMES[measure.code])


def _count(n: int) -> str:
    return f"{n:,}"


def cell(measure: Measure, figures: Figures, href: Linker) -> Cell:
    name = measure_name(measure)
    if measure.kind == COUNT:
        n = figures.count(measure.numerator)
        return Cell(measure.code, measure.kind, name, Link(_count(n), href(measure.code, NUMERATOR)), number=n)
    if measure.kind == RATE:
        rate = figures.rate(measure)
        parts = ((str(MEASURE_NAMES[measure.numerator]), Link(_count(rate.numerator), href(measure.code, NUMERATOR))),
                 (str(MEASURE_NAMES[measure.denominator]),
                  Link(_count(rate.denominator), href(measure.code, DENOMINATOR))))
        if rate.value is None:
            return Cell(measure.code, measure.kind, name, NO_VALUE, parts)
        return Cell(measure.code, measure.kind, name, Link(rate.text(), href(measure.code, NUMERATOR)), parts,
                    number=round(rate.value * 100, 1))
    assert measure.kind == DURATION, measure.kind
    duration = figures.duration()
    cases = href(measure.code, NUMERATOR)
    if duration.mean is None:
        return Cell(measure.code, measure.kind, name, NO_VALUE)
    return Cell(measure.code, measure.kind, name, Link(f"{duration.mean:.1f}", cases),
                ((gettext("中位数"), Link(f"{duration.median:g}", cases)),
                 (gettext("计入件数"), Link(_count(duration.cases), cases))),
                number=round(duration.mean, 1))


def cells(figures: Figures, href: Linker, measures: Iterable[Measure] = MEASURE_LIST) -> dict[str, Cell]:
    return {m.code: cell(m, figures, href) for m in measures}


def key_label(by: str, key: str | None, label: str) -> str:
    """A slice's name (the module's label of ``key`` in dimension ``by``) in the reader's language."""
    if key is None or by in TRANSLATED_DIMENSIONS:
        return gettext(label)
    return label


def slice_label(by: str, row: SliceRow) -> str:
    return key_label(by, row.key, row.label)


def breakdown_rows(choice: Choice, rows: Iterable[SliceRow]) -> list[Row]:
    return [Row(r.key, slice_label(choice.by, r), cells(r.figures, linker(choice, by=choice.by, key=r.key)))
            for r in rows]


def ranking_rows(choice: Choice, by: str, ranked: Iterable[Ranked]) -> list[Row]:
    measures = [MEASURES_BY_CODE[code] for code in RANKING_COLUMNS]
    return [Row(r.row.key, slice_label(by, r.row), cells(r.row.figures, linker(choice, by=by, key=r.row.key), measures),
                rank=r.rank) for r in ranked]


def bucket_label(bucket: Period, kind: str, across_years: bool) -> str:
    """03-02 (a day), 03-02–03-08 (a week, cut to the period), 2026-03 (a month); with the
    year when the trend spans more than one."""
    def day(d: date) -> str:
        return d.isoformat() if across_years else d.strftime("%m-%d")

    if kind == "month":
        return bucket.start.strftime("%Y-%m")
    if bucket.days == 1:
        return day(bucket.start)
    return f"{day(bucket.start)}–{day(bucket.end)}"


def trend_rows(choice: Choice, points: Iterable[TrendPoint]) -> list[Row]:
    points = list(points)
    across = choice.period.start.year != choice.period.end.year
    return [Row(p.period.start.isoformat(), bucket_label(p.period, choice.bucket, across),
                cells(p.figures, linker(choice, period=p.period))) for p in points]


# ---------------------------------------------------------------------------- chart data
# A chart is described as data (webapp/static/stats.js draws it with ECharts): category labels
# and series of numbers with, for each number, the case list it opens when clicked. Names are
# plain text; the page passes the whole as JSON in a data attribute, escaped by Jinja's tojson.


def _series(code: str, rows: list[Row], kind: str) -> dict:
    first = rows[0].cells[code] if rows else None
    links = [r.cells[code].value.href if isinstance(r.cells[code].value, Link) else None for r in rows]
    return {"name": first.name if first else code, "type": kind, "percent": bool(first and first.kind == RATE),
            "data": [r.cells[code].number for r in rows], "links": links}


def combo_chart(rows: list[Row], title: str, joined: bool = True) -> dict:
    """Counts as bars and the completion rate as a line over the rows (trend buckets), or as
    points where the rows are slices with no order between them (``joined`` false)."""
    return {"kind": "combo", "title": title, "categories": [r.label for r in rows],
            "series": [*(_series(code, rows, "bar") for code in CHART_COUNTS),
                       _series(CHART_RATE, rows, "line" if joined else "scatter")],
            "empty": gettext("所选区间没有案件")}


def ranking_chart(rows: list[Row], title: str) -> dict:
    """The ranked slices' first ranking measure as horizontal bars, best first."""
    return {"kind": "ranking", "title": title, "categories": [f"{r.rank}. {r.label}" for r in rows],
            "series": [_series(RANKED_BY[0], rows, "bar")], "empty": gettext("所选区间没有可排名的数据")}
