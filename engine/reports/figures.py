"""The report's figures, all from engine/measures: every measure of the period beside the
previous period's, and the towns ranked — for the whole county (a report the bureau issues, so
the scope is every case: engine/measures/compute.measure says ``true()`` for that).

Only how the figures are written is decided here: counts as numbers, rates as percentages, the
handling time as mean / median working days, and the change from the previous period (a count's
difference, a rate's in percentage points)."""
from __future__ import annotations

from sqlalchemy import true
from sqlalchemy.orm import Session

from engine.measures import (
    MEASURE_LIST,
    MEASURES_BY_CODE,
    NO_VALUE,
    PATROL_COUNTS,
    PATROL_RATES,
    Duration,
    Period,
    Rate,
    measure,
    patrol_figure_name,
    patrol_figures,
    ranking,
)

# The columns of the towns' ranking: what it is ranked by (engine/measures/compute.RANKED_BY)
# and what a leader reads beside it.
TOWN_COLUMNS = ("accepted", "closed", "closure_rate", "on_time_rate", "satisfaction_rate", "overdue")


def side_by_side(session: Session, period: Period, previous: Period, tz: str) -> dict:
    current = measure(session, period, scope=true(), tz=tz).total
    before = measure(session, previous, scope=true(), tz=tz).total
    rows = []
    for m in MEASURE_LIST:
        now, then = current.value(m), before.value(m)
        rows.append({"code": m.code, "label": m.name, "current": _text(now), "previous": _text(then),
                     "change": _change(now, then)})
    towns = [{"rank": r.rank, "name": r.row.label,
              "values": [_text(r.row.figures.value(code)) for code in TOWN_COLUMNS]}
             for r in ranking(session, period, scope=true(), tz=tz, by="town")]
    return {"measures": rows, "towns": towns, "town_columns": [MEASURES_BY_CODE[c].name for c in TOWN_COLUMNS],
            **patrols(session, period, tz)}


def patrols(session: Session, period: Period, tz: str) -> dict:
    """The patrols due in the period by town (engine/measures/field.py). Counted as of the
    period's end, so a report issued again for the same period says the same."""
    _, end = period.utc_bounds(tz)
    measured = patrol_figures(session, period, scope=true(), tz=tz, now=end, by="town")
    columns = (*PATROL_COUNTS, *PATROL_RATES)
    return {"patrol_columns": [patrol_figure_name(c) for c in columns],
            "patrols": [{"name": r.label, "values": [_text(r.value(c)) for c in columns]} for r in measured.rows],
            "patrol_total": [_text(measured.total.value(c)) for c in columns]}


def _text(value) -> str:
    return str(value)  # Rate and Duration write themselves ("92.3%", "4.2 / 3", "—")


def _change(now, then) -> str:
    if isinstance(now, Rate):
        if now.value is None or then.value is None:
            return NO_VALUE
        return f"{(now.value - then.value) * 100:+.1f} 个百分点"
    if isinstance(now, Duration):
        if now.mean is None or then.mean is None:
            return NO_VALUE
        return f"{now.mean - then.mean:+.1f} 个工作日"
    return f"{now - then:+d}"
