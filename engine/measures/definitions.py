"""Each measure once: what it counts, its numerator and denominator, its Chinese and English name.

Every measure is over the cases **received in the period** (by ``received_at``, local dates) and
within the slice, filters and the viewer's scope. The counts it is made of are *facts*: SQL
conditions on the case row, used both to count (engine/measures/compute.py) and to list the
cases behind a number (engine/measures/drilldown.py), so a figure and its case list cannot
disagree.

Facts (the names in the API's ``facts``):

- ``received`` 受理总量: every case received in the period;
- ``accepted`` 受理件: accepted (``accepted_at`` set) and not rejected 不予受理, transferred out 转办
  or merged as a duplicate 重复件 — a case still awaiting the intake decision is not accepted yet;
- ``closed`` 办结件: accepted and closed as of now (status ``closed``; a reopened case is open
  again until it is closed again);
- ``closed_on_time`` 按时办结件: closed, and ``closed_on_time`` (every stage deadline met,
  extensions included; engine/cases/lifecycle.close_case);
- ``followed_up`` 已回访件: closed, with the current closure's follow-up recorded, whatever the
  answer ("unreachable" included; ``followed_up_at``);
- ``rated`` 有效回访件: followed up with an answer other than "unreachable";
- ``satisfied`` 满意件: rated satisfied or basically satisfied;
- ``merged`` 重复件: merged into another case as a duplicate;
- ``overdue`` 超期件 / ``warning`` 预警件: red / yellow now (the colour the board shows);
- ``escalated`` 督办件: escalated at least once (``escalation_count``);
- ``assigned`` 交办件: ever assigned to a department (``assigned_at``);
- ``returned`` 退单件: assigned and returned (退单) at least once (``return_count``);
- ``handled`` 已办理件: handling recorded how the problem was checked (``check_method``, kept on
  the case by engine/work/tasks.complete_task; back-filled by migration 0025);
- ``handled_non_site`` 非现场办理件: handled, and checked by a non-site way (online or power-use
  monitoring, video, drone, remote documents: engine/vocabulary/words.check_mode);
- ``relapsed`` 反弹件: re-inspection after closure (后督察) found the problem back at least once
  (``relapse_count``); sliced by department, it counts against the department;
- ``recurrent`` 重复发生件: a repeat complaint about the place or enterprise of a closed case
  within the diagram's window (``recurrence_of_id``, engine/cases/recurrence.py).

Measures: the counts above that the issue names, the rates
办结率 closed/accepted, 按时办结率 closed_on_time/closed, 回访率 followed_up/closed,
满意率 satisfied/rated, 重复投诉率 merged/received, 退单率 returned/assigned, 非现场执法占比 handled_non_site/handled, the counts 反弹件 and
重复发生件, and
平均办理时长 ``handling_time``: working days from acceptance to closure of the closed cases
(``handling_workdays``), mean and median. A rate whose denominator is 0 has no value and reads
"—", never 0% or 100%.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, true

from engine.core.errors import FormInvalid
from engine.models import SET_ASIDE_STATUSES, Case
from engine.vocabulary.words import CHECK_METHODS, MEASURE_FACTS, MEASURES, check_mode

NO_VALUE = "—"
COUNT, RATE, DURATION = "count", "rate", "duration"
NUMERATOR, DENOMINATOR = "numerator", "denominator"
SIDES = (NUMERATOR, DENOMINATOR)
SATISFIED_ANSWERS = ("satisfied", "basically_satisfied")
UNREACHABLE = "unreachable"
# The non-site check methods, as the vocabulary's one rule (check_mode) says.
NON_SITE_METHODS = tuple(m for m in CHECK_METHODS if check_mode(m) == "non_site")


# ---------------------------------------------------------------------------- facts

_accepted = and_(Case.accepted_at.is_not(None), Case.status.not_in(SET_ASIDE_STATUSES))
_closed = and_(_accepted, Case.status == "closed")
_followed_up = and_(_closed, Case.followed_up_at.is_not(None))
_rated = and_(_followed_up, Case.satisfaction.is_not(None), Case.satisfaction != UNREACHABLE)
_assigned = Case.assigned_at.is_not(None)

# fact code → WHERE condition on Case. Order: the order the API lists them in.
FACTS: Mapping[str, Any] = {
    "received": true(),
    "accepted": _accepted,
    "closed": _closed,
    "closed_on_time": and_(_closed, Case.closed_on_time.is_(True)),
    "followed_up": _followed_up,
    "rated": _rated,
    "satisfied": and_(_rated, Case.satisfaction.in_(SATISFIED_ANSWERS)),
    "merged": Case.status == "merged",
    "overdue": Case.colour == "red",
    "warning": Case.colour == "yellow",
    "escalated": Case.escalation_count > 0,
    "assigned": _assigned,
    "returned": and_(_assigned, Case.return_count > 0),
    "handled": Case.check_method.in_(tuple(CHECK_METHODS)),
    "handled_non_site": Case.check_method.in_(NON_SITE_METHODS),
    "relapsed": Case.relapse_count > 0,
    "recurrent": Case.recurrence_of_id.is_not(None),
}
# The cases whose handling time counts: closed, with their working days recorded.
DURATION_FACT = "closed"

_EN = {
    "received": "Received", "accepted": "Accepted", "closed": "Closed", "closure_rate": "Completion rate",
    "on_time_rate": "On-time completion rate", "follow_up_rate": "Follow-up rate",
    "satisfaction_rate": "Satisfaction rate", "repeat_rate": "Repeat-complaint rate", "overdue": "Overdue (red)",
    "warning": "Warnings (yellow)", "escalated": "Escalated (supervised)", "return_rate": "Return rate",
    "handling_time": "Handling time (working days)",
    "closed_on_time": "Closed on time", "followed_up": "Followed up", "rated": "Follow-ups with an answer",
    "satisfied": "Satisfied or basically satisfied", "merged": "Merged as duplicates",
    "assigned": "Assigned", "returned": "Returned at least once",
    "non_site_rate": "Share of non-site enforcement", "handled": "Handled (check method recorded)",
    "handled_non_site": "Handled by a non-site check", "relapsed": "Relapsed after re-inspection",
    "recurrent": "Recurrences (repeat complaints)",
}


def fact_name(code: str) -> str:
    """A fact's Chinese name (the message id the web app translates)."""
    return MEASURES.get(code) or MEASURE_FACTS[code]


def fact_name_en(code: str) -> str:
    return _EN[code]


# ---------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class Measure:
    """One reported measure. A count has only a numerator (the fact it counts); a rate is
    numerator ÷ denominator; ``handling_time`` is a duration over the closed cases."""

    code: str
    kind: str
    numerator: str
    denominator: str | None = None

    @property
    def name(self) -> str:
        """Chinese; the web app translates it as a message id (engine/vocabulary/words.MEASURES)."""
        return MEASURES[self.code]

    @property
    def name_en(self) -> str:
        return _EN[self.code]

    def fact(self, side: str = NUMERATOR) -> str:
        """The fact behind one side of the measure (a count's only side is its numerator)."""
        if side not in SIDES:
            raise ValueError(f"side must be one of {SIDES}, got {side!r}")
        if side == DENOMINATOR and self.denominator is not None:
            return self.denominator
        return self.numerator


MEASURE_LIST: tuple[Measure, ...] = (
    Measure("received", COUNT, "received"),
    Measure("accepted", COUNT, "accepted"),
    Measure("closed", COUNT, "closed"),
    Measure("closure_rate", RATE, "closed", "accepted"),
    Measure("on_time_rate", RATE, "closed_on_time", "closed"),
    Measure("follow_up_rate", RATE, "followed_up", "closed"),
    Measure("satisfaction_rate", RATE, "satisfied", "rated"),
    Measure("repeat_rate", RATE, "merged", "received"),
    Measure("overdue", COUNT, "overdue"),
    Measure("warning", COUNT, "warning"),
    Measure("escalated", COUNT, "escalated"),
    Measure("return_rate", RATE, "returned", "assigned"),
    Measure("non_site_rate", RATE, "handled_non_site", "handled"),
    Measure("relapsed", COUNT, "relapsed"),
    Measure("recurrent", COUNT, "recurrent"),
    Measure("handling_time", DURATION, DURATION_FACT),
)
MEASURES_BY_CODE: Mapping[str, Measure] = {m.code: m for m in MEASURE_LIST}


def get_measure(code: str) -> Measure:
    try:
        return MEASURES_BY_CODE[code]
    except KeyError:
        raise FormInvalid({"measure": [f"未知的统计指标 {code[:40]!r} (unknown measure; one of "
                                       f"{', '.join(MEASURES_BY_CODE)})"]}) from None


# ---------------------------------------------------------------------------- values


def percent(value: float | None, digits: int = 1) -> str:
    """92.3% — or "—" when there is no value."""
    return NO_VALUE if value is None else f"{value * 100:.{digits}f}%"


@dataclass(frozen=True)
class Rate:
    """numerator ÷ denominator; no value (None, shown "—") when the denominator is 0."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def text(self, digits: int = 1) -> str:
        return percent(self.value, digits)

    def __str__(self) -> str:
        return self.text()

    def as_dict(self) -> dict:
        return {"numerator": self.numerator, "denominator": self.denominator, "value": self.value}


@dataclass(frozen=True)
class Duration:
    """Working days from acceptance to closure over ``cases`` closed cases; None when none."""

    cases: int
    mean: float | None
    median: float | None

    @classmethod
    def from_histogram(cls, histogram: Mapping[int, int]) -> Duration:
        """From {working days: cases}. The median of an even number of cases is the mean of the
        two middle ones."""
        items = sorted((days, n) for days, n in histogram.items() if n)
        total = sum(n for _, n in items)
        if not total:
            return cls(0, None, None)
        mean = sum(days * n for days, n in items) / total

        def nth(k: int) -> int:  # the k-th smallest (0-based)
            seen = 0
            for days, n in items:
                seen += n
                if k < seen:
                    return days
            raise AssertionError("unreachable")

        median = (nth((total - 1) // 2) + nth(total // 2)) / 2
        return cls(total, mean, float(median))

    def text(self, digits: int = 1) -> str:
        """"4.2 / 3" (mean / median, working days) or "—"."""
        if self.mean is None:
            return NO_VALUE
        return f"{self.mean:.{digits}f} / {self.median:g}"

    def __str__(self) -> str:
        return self.text()

    def as_dict(self) -> dict:
        return {"cases": self.cases, "mean": self.mean, "median": self.median}
