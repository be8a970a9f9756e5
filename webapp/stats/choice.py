"""What a statistics request asks for: the period, the breakdown, the trend's bucket and filters.

The period, the dimensions and the filters are read by engine/measures (``period_from``,
``Filters.from_args``); this module only adds the page's own choices: the form's "custom"
period, the default breakdown and the trend bucket that suits the period's length.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from engine.core.errors import FormInvalid
from engine.measures import BUCKETS, DIMENSIONS, PRESETS, Filters, Period, period_from
from engine.measures.slices import check_dimension

CUSTOM = "custom"
DEFAULT_BY = "town"
# The trend's default bucket by the period's length in days: a month by days, a quarter by
# weeks, anything longer by months (a year of days is 365 points, too dense for a phone).
BUCKET_BY_DAYS = ((31, "day"), (184, "week"))
RANKED = ("town", "department")


@dataclass(frozen=True)
class Choice:
    period: Period
    preset: str  # one of PRESETS, or CUSTOM
    by: str
    bucket: str
    filters: Filters = field(default_factory=Filters)
    # The bucket was not asked for: it follows the period (default_bucket) when that changes.
    bucket_auto: bool = True

    def args(self, *, filters: bool = True, **changes) -> dict[str, str]:
        """Query arguments that ask for this choice again, with ``changes`` (an empty value drops
        the argument) and, unless ``filters`` is false, its filters: the page's links."""
        args = {"by": self.by, "bucket": "" if self.bucket_auto else self.bucket,
                **(self.filters.as_args() if filters else {})}
        if self.preset == CUSTOM:
            args.update({"period": CUSTOM, "from": self.period.start.isoformat(), "to": self.period.end.isoformat()})
        else:
            args["period"] = self.preset
        args.update(changes)
        return {k: v for k, v in args.items() if v}

    def preset_args(self, preset: str) -> dict[str, str]:
        """The same breakdown and filters for one of the presets (the trend's bucket follows it)."""
        return self.args(period=preset, bucket="", **{"from": "", "to": ""})


def default_bucket(period: Period) -> str:
    for days, bucket in BUCKET_BY_DAYS:
        if period.days <= days:
            return bucket
    return "month"


def read_choice(args, today: date) -> Choice:
    """The choice in ``args`` (a request's query), or FormInvalid naming each bad argument.

    ``period`` is one of the presets or ``custom`` (then ``from`` and ``to`` are required); without
    ``period``, ``from``/``to`` ask for a custom range and nothing asks for this month."""
    errors: dict[str, list[str]] = {}
    preset = str(args.get("period") or "").strip()
    start, end = str(args.get("from") or "").strip(), str(args.get("to") or "").strip()
    period = None
    if preset and preset not in (*PRESETS, CUSTOM):
        errors["period"] = [_("未知的统计区间")]
    elif preset == CUSTOM and not (start or end):
        errors["from"] = [_("自定义区间请填写开始日期和结束日期")]
    else:
        # A preset ignores the dates the form also sends (they show the preset's own dates).
        asked = {"period": preset} if preset in PRESETS else {"from": start, "to": end}
        try:
            period = period_from(asked, today)
        except FormInvalid as err:
            errors.update(err.errors)
    try:
        by = check_dimension(str(args.get("by") or "").strip() or DEFAULT_BY)
    except FormInvalid as err:
        errors.update(err.errors)
        by = DEFAULT_BY
    bucket = asked_bucket = str(args.get("bucket") or "").strip()
    if bucket and bucket not in BUCKETS:
        errors["bucket"] = [_("未知的趋势粒度")]
    elif period is not None:
        bucket = bucket or default_bucket(period)
        try:
            period.buckets(bucket)  # refuses a trend of too many points (days over years)
        except FormInvalid as err:
            errors.update(err.errors)
    try:
        filters = Filters.from_args(args)
    except FormInvalid as err:
        errors.update(err.errors)
        filters = Filters()
    if errors:
        raise FormInvalid(errors)
    # No period and no dates: the module's default preset (period.kind says which).
    chosen = preset if preset in PRESETS else (CUSTOM if (start or end) else period.kind)
    return Choice(period, chosen, by, bucket, filters, bucket_auto=not asked_bucket)


__all__ = ["BUCKETS", "CUSTOM", "DIMENSIONS", "PRESETS", "RANKED", "Choice", "default_bucket", "read_choice"]
