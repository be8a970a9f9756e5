"""The measures the bureau reports (issue 12, "supervision by numbers"), computed in one place for
the statistics page, ``GET /api/v1/stats``, the four-colour ledger and the periodic reports.

- ``periods``: ``Period`` (local dates, inclusive; presets day / week / month / year or custom),
  the previous period and the year before, UTC bounds, trend buckets;
- ``definitions``: each measure once (``MEASURE_LIST``) with its facts (``FACTS``: SQL
  conditions on the case), Chinese and English names, and the ``Rate`` / ``Duration`` values
  that read "—" without a denominator;
- ``slices``: the dimensions (town, work area, department, category, channel, tier) and
  ``Filters`` on them;
- ``compute``: ``measure`` (per slice and totals), ``trend``, ``ranking``;
- ``drilldown``: the cases behind any figure, and the case-list URL that lists them;
- ``field``: the patrol figures (due, done, on time, problems found and solved, their rates) per
  officer, work area or town, counted by the patrol ledger (engine/patrol/ledger.py);
- ``enforcement``: the enforcement counts (cases filed, fines, production limits, handovers to the
  police) of a period, each defined once over the enforcement cases (engine/models/enforcement.py).

Who sees which cases' figures is ``engine.org.scopes.statistics_scope``; the caller passes it as
``scope``. The facts a case contributes are columns kept on the case by the engine step
(engine/cases/lifecycle.py, engine/cases/escalation.py; migration 0013).

Public API (stable; later additions only):

    Period(start, end, kind="custom"); Period.preset(kind, today); Period.custom(start, end);
    Period.containing(moment, kind, tz); .previous(); .year_before(); .utc_bounds(tz);
    .buckets(kind); .days; period_from(args, today); parse_date(text, field)
    Filters(town, area, department, category, channel, tier); Filters.from_args(args)
    measure(session, period, *, scope, tz, filters=None, by=None) -> Measured(period, by, rows, total)
    trend(session, period, *, scope, tz, bucket="day", filters=None) -> [TrendPoint(period, figures)]
    ranking(session, period, *, scope, tz, by="town", filters=None) -> [Ranked(rank, row)]
    Figures.count(fact) / .rate(measure) -> Rate / .duration() -> Duration / .value(m) / .as_dict()
    SliceRow(key, label, figures); Rate(numerator, denominator).value / .text(); Duration(cases, mean, median)
    DrillDown(period, measure, side, filters, by, key).select(session, *, scope, tz) / .as_args()
    DrillDown.from_args(args); cases_behind(session, period, measure, side, *, scope, tz, …)
    patrol_figures(session, period, *, scope, tz, now, by="town") -> PatrolMeasured(period, by, rows, total)
    PatrolFigures.count(code) / .rate(code) / .value(code) / .as_dict(); PATROL_COUNTS, PATROL_RATES

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.org, engine.patrol.
"""
from engine.measures.compute import (
    Figures,
    Measured,
    Ranked,
    SliceRow,
    TrendPoint,
    daily,
    measure,
    ranking,
    trend,
)
from engine.measures.definitions import (
    FACTS,
    MEASURE_LIST,
    MEASURES_BY_CODE,
    NO_VALUE,
    Duration,
    Measure,
    Rate,
    fact_name,
    fact_name_en,
    get_measure,
    percent,
)
from engine.measures.drilldown import DrillDown, cases_behind
from engine.measures.field import COUNTS as PATROL_COUNTS
from engine.measures.field import (
    PATROL_SLICE_CODES,
    PatrolFigures,
    PatrolMeasured,
    patrol_figure_name,
    patrol_figure_name_en,
    patrol_figures,
    patrol_slice_name,
)
from engine.measures.field import RATES as PATROL_RATES
from engine.measures.periods import BUCKETS, PRESETS, Period, parse_date, period_from
from engine.measures.slices import DIMENSIONS, NONE_KEY, Filters

__all__ = [
    "PATROL_COUNTS", "PATROL_RATES", "PATROL_SLICE_CODES", "PatrolFigures", "PatrolMeasured", "patrol_figure_name",
    "patrol_figure_name_en", "patrol_figures", "patrol_slice_name",
    "BUCKETS", "DIMENSIONS", "FACTS", "MEASURES_BY_CODE", "MEASURE_LIST", "NONE_KEY", "NO_VALUE", "PRESETS",
    "DrillDown", "Duration", "Figures", "Filters", "Measure", "Measured", "Period", "Ranked", "Rate", "SliceRow",
    "TrendPoint", "cases_behind", "daily", "fact_name", "fact_name_en", "get_measure", "measure", "parse_date",
    "percent", "period_from", "ranking", "trend",
]
