"""The patrol figures (网格巡查) of a period: patrols due, done, done on time, problems found and
problems solved — per grid officer, work area or town (the patrol slices) — and the rates made of
them, "—" without a denominator.

The counting is the patrol ledger's (engine/patrol/ledger.ledger_rows: a patrol is due once its
day has ended or it was checked in; a problem is solved once the case it started is closed);
this module gives those counts the period, the names and the rates every report shares, so the
statistics page, ``GET /api/v1/stats``, the ledger's summary sheet and the periodic reports read
the same numbers. A period's patrols are those due in it (local dates, ``Period.utc_bounds``).

The case-side field-work facts (share of non-site enforcement, relapses, recurrences) are case
facts like the others, in engine/measures/definitions.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.measures.definitions import Rate
from engine.measures.periods import Period
from engine.patrol.ledger import GROUPINGS, LedgerRow, ledger_rows, ledger_totals
from engine.vocabulary.words import PATROL_FIGURES, PATROL_SLICES

PATROL_SLICE_CODES = GROUPINGS  # officer, area, town
COUNTS = ("due", "done", "on_time", "problems", "solved")
# rate → (numerator, denominator)
RATES = {"done_rate": ("done", "due"), "on_time_rate": ("on_time", "due"), "solved_rate": ("solved", "problems")}
_EN = {"due": "Patrols due", "done": "Patrols done", "on_time": "Done on time", "problems": "Problems found",
       "solved": "Problems solved", "done_rate": "Patrol completion rate", "on_time_rate": "On-time patrol rate",
       "solved_rate": "Problems solved rate"}


def patrol_figure_name(code: str) -> str:
    """Chinese (the message id the web app translates)."""
    return PATROL_FIGURES[code]


def patrol_figure_name_en(code: str) -> str:
    return _EN[code]


def patrol_slice_name(code: str) -> str:
    return PATROL_SLICES[code]


@dataclass(frozen=True)
class PatrolFigures:
    key: str
    label: str
    due: int
    done: int
    on_time: int
    problems: int
    solved: int

    @classmethod
    def of(cls, row: LedgerRow) -> PatrolFigures:
        return cls(row.key, row.label, *(getattr(row, name) for name in COUNTS))

    def count(self, code: str) -> int:
        return getattr(self, code)

    def rate(self, code: str) -> Rate:
        numerator, denominator = RATES[code]
        return Rate(getattr(self, numerator), getattr(self, denominator))

    def value(self, code: str) -> int | Rate:
        return self.rate(code) if code in RATES else self.count(code)

    def as_dict(self) -> dict:
        return {**{code: self.count(code) for code in COUNTS},
                **{code: self.rate(code).as_dict() for code in RATES}}


@dataclass(frozen=True)
class PatrolMeasured:
    period: Period
    by: str
    rows: list[PatrolFigures]
    total: PatrolFigures

    def as_dict(self) -> dict:
        return {"by": self.by, "total": self.total.as_dict(),
                "rows": [{"key": r.key or None, "label": r.label, **r.as_dict()} for r in self.rows]}


def patrol_figures(session: Session, period: Period, *, scope, tz: str | ZoneInfo, now: datetime,
                   by: str = "town") -> PatrolMeasured:
    """The patrols due in ``period`` within ``scope`` (engine/org/scopes.patrol_scope(staff, Patrol);
    ``sqlalchemy.true()`` for the whole county), one row per officer, work area or town."""
    if by not in PATROL_SLICE_CODES:
        raise ValueError(f"by must be one of {PATROL_SLICE_CODES}, got {by!r}")
    since, until = period.utc_bounds(tz)
    rows = ledger_rows(session, scope, by, now, since=since, until=until)
    total = PatrolFigures.of(ledger_totals(rows))
    return PatrolMeasured(period, by, [PatrolFigures.of(r) for r in rows], total)
