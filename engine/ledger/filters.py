"""What a ledger shows: the period (local dates of ``received_at``) and the filters, checked.

The period is engine/measures' ``Period``: local calendar dates, both included, whose UTC bounds
come from the installation's time zone (Settings.timezone, Asia/Shanghai by default), so a case
received at 23:30 on the 31st in Shanghai is in that month although it is 15:30 in UTC.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date

from engine.core.errors import GreenloopError
from engine.measures import Period
from engine.measures.periods import MONTH
from engine.models import CATEGORIES, CHANNELS, COLOURS, STAGES, STATUSES, TIERS

# A ledger longer than this is a data dump, not a ledger; it also bounds an export's size.
MAX_DAYS = 366 * 3


class LedgerInputError(GreenloopError):
    """Refused ledger input; ``problems`` maps a field to a problem code (the web app words them)."""

    MESSAGES = {
        "date": ("日期格式应为 YYYY-MM-DD", "a date must be written YYYY-MM-DD"),
        "order": ("结束日期早于开始日期", "the end date is before the start date"),
        "too_long": (f"期间不得超过 {MAX_DAYS} 天", f"a period may not exceed {MAX_DAYS} days"),
        "unknown": ("无此选项", "not one of the choices"),
    }

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {self.MESSAGES[code][0]} ({self.MESSAGES[code][1]})"
                                   for name, code in problems.items()))


def parse_period(start: str | None, end: str | None, *, default: Period) -> Period:
    """The period of a ledger from its two date fields (either may be empty: the default's), as
    engine/measures' ``Period`` so the ledger and its summary count the same days."""
    problems = {}
    found = {}
    for name, text in (("start", start), ("end", end)):
        text = (text or "").strip()
        if not text:
            found[name] = getattr(default, name)
            continue
        try:
            found[name] = date.fromisoformat(text)
        except ValueError:
            problems[name] = "date"
    if not problems:
        if found["end"] < found["start"]:
            problems["end"] = "order"
        elif (found["end"] - found["start"]).days >= MAX_DAYS:
            problems["end"] = "too_long"
    if problems:
        raise LedgerInputError(problems)
    return Period.custom(found["start"], found["end"])


def month_of(today: date) -> Period:
    """The calendar month ``today`` falls in."""
    return Period.preset(MONTH, today)


def period_label(period: Period) -> str:
    return f"{period.start.isoformat()} 至 {period.end.isoformat()}"


@dataclass(frozen=True)
class LedgerFilters:
    colour: str = ""
    stage: str = ""
    tier: int | None = None
    department: str = ""  # department code
    town: str = ""  # town grid code
    category: str = ""
    channel: str = ""
    status: str = ""
    leader_owned: bool = False  # only the cases a leader owns (领导包案)

    def as_dict(self) -> dict:
        """What is set, for a job row or a query string (JSON-safe)."""
        return {k: v for k, v in asdict(self).items() if v not in ("", None, False)}

    @classmethod
    def parse(cls, args: Mapping[str, object], *, departments: Mapping[str, object] | None = None,
              towns: Mapping[str, object] | None = None) -> LedgerFilters:
        """Filters from a query string (or ``as_dict``): an unknown code is refused, not ignored,
        so a ledger never silently shows more than was asked for. ``departments`` / ``towns``:
        the codes that exist (not checked when None)."""
        choices: dict[str, object] = {"colour": COLOURS, "stage": STAGES, "category": CATEGORIES,
                                      "channel": CHANNELS, "status": STATUSES}
        if departments is not None:
            choices["department"] = departments
        if towns is not None:
            choices["town"] = towns
        values: dict[str, object] = {}
        problems: dict[str, str] = {}
        for field in fields(cls):
            raw = args.get(field.name)
            text = "" if raw is None else str(raw).strip()
            if field.name == "leader_owned":
                values[field.name] = text.lower() in ("1", "true", "on", "yes")
                continue
            if not text:
                continue
            if field.name == "tier":
                if not text.isdigit() or int(text) not in TIERS:
                    problems["tier"] = "unknown"
                else:
                    values["tier"] = int(text)
                continue
            if field.name in choices and text not in choices[field.name]:
                problems[field.name] = "unknown"
                continue
            values[field.name] = text[:64]
        if problems:
            raise LedgerInputError(problems)
        return cls(**values)
