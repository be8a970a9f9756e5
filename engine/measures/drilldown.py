"""The cases behind a number: for a measure's numerator or denominator, in a period, a slice and
filters, the select of exactly the cases the figure counted (the same fact conditions).

The staff case list understands it (webapp/cases/case_pages.py): every figure links to

    /cases?measure=<measure>&side=<numerator|denominator>&from=<YYYY-MM-DD>&to=<YYYY-MM-DD>
          [&by=<town|area|department|category|channel|tier>&key=<code, or ~ for none>]
          [&town=…&area=…&department=…&category=…&channel=…&tier=…]

e.g. the towns' 办结率 numerator of 2026 for 城关镇:
``/cases?measure=closure_rate&side=numerator&from=2026-01-01&to=2026-12-31&by=town&key=T01``.
``DrillDown.as_args()`` writes these arguments and ``DrillDown.from_args`` reads them back. The
list intersects them with the viewer's own case scope, so a link never shows more than the
person may see.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine.core.errors import FormInvalid
from engine.measures.compute import base_conditions
from engine.measures.definitions import FACTS, NUMERATOR, SIDES, get_measure
from engine.measures.periods import Period, parse_date
from engine.measures.slices import NONE_KEY, Filters, check_dimension, slice_condition
from engine.models import Case


@dataclass(frozen=True)
class DrillDown:
    """One side of one measure, in a period, optionally one slice (``by`` and ``key``; key
    None: the cases without that dimension), within filters."""

    period: Period
    measure: str
    side: str = NUMERATOR
    filters: Filters = field(default_factory=Filters)
    by: str | None = None
    key: str | None = None

    def __post_init__(self):
        get_measure(self.measure)
        if self.side not in SIDES:
            raise FormInvalid({"side": [f"side 须为 {' 或 '.join(SIDES)} (numerator or denominator)"]})
        check_dimension(self.by)

    @property
    def fact(self) -> str:
        """The fact the side counts (a count's one side is its numerator)."""
        return get_measure(self.measure).fact(self.side)

    def conditions(self, session: Session, *, scope, tz: str | ZoneInfo) -> list:
        """WHERE conditions on Case: the figure's cases."""
        found = [*base_conditions(session, self.period, scope=scope, tz=tz, filters=self.filters),
                 FACTS[self.fact]]
        if self.by:
            found.append(slice_condition(session, self.by, self.key))
        return found

    def select(self, session: Session, *, scope, tz: str | ZoneInfo) -> Select:
        """The cases, newest first (the case list's order)."""
        return (select(Case).where(*self.conditions(session, scope=scope, tz=tz))
                .order_by(Case.received_at.desc(), Case.id.desc()))

    def as_args(self) -> dict[str, str]:
        """Query arguments for the case list (the URL shape in the module docstring)."""
        args = {"measure": self.measure, "side": self.side, "from": self.period.start.isoformat(),
                "to": self.period.end.isoformat(), **self.filters.as_args()}
        if self.by:
            args.update(by=self.by, key=NONE_KEY if self.key is None else self.key)
        return args

    @classmethod
    def from_args(cls, args) -> DrillDown | None:
        """The drill-down a query asks for, None when it asks for none (no ``measure``);
        FormInvalid naming the argument when it is malformed."""
        code = str(args.get("measure") or "").strip()
        if not code:
            return None
        errors = {}
        for name in ("from", "to"):
            if not args.get(name):
                errors[name] = ["请给出日期 (a date is required)"]
        by = str(args.get("by") or "").strip() or None
        key = str(args.get("key") or "").strip()[:64]
        if by and not key:
            errors["key"] = [f"请给出分组值，无此项用 {NONE_KEY} (give the slice key, {NONE_KEY} for none)"]
        if errors:
            raise FormInvalid(errors)
        start: date = parse_date(str(args.get("from")), "from")
        end: date = parse_date(str(args.get("to")), "to")
        return cls(Period.custom(start, end), code, str(args.get("side") or NUMERATOR), Filters.from_args(args),
                   by, None if key == NONE_KEY else key or None)


def cases_behind(session: Session, period: Period, measure: str, side: str = NUMERATOR, *, scope,
                 tz: str | ZoneInfo, filters: Filters | None = None, by: str | None = None,
                 key: str | None = None) -> Select:
    """``select(Case)`` of the cases one side of a measure counted (see DrillDown)."""
    return DrillDown(period, measure, side, filters or Filters(), by, key).select(session, scope=scope, tz=tz)
