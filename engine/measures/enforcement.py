"""The enforcement counts (执法办案) the statistics report, each defined once: what it counts, the
moment that puts a case in the period, its Chinese and English name.

Unlike the complaint measures (engine/measures/definitions.py: cases received in the period),
each count here is of the enforcement step that happened in the period: cases filed (立案) by
``filed_at``, fines and production limits by the decision's ``decided_at`` (a further decision
after a failed rectification check replaces the earlier one on the row, so an amount is counted
once, in the period of the decision in force), handovers to the police by ``handed_over_at``.
Scope: the enforcement case is seen as its complaint case is (``engine.org.scopes.statistics_scope``,
a WHERE clause on Case the caller passes in).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select, true
from sqlalchemy.orm import Session

from engine.measures.periods import Period
from engine.models import Case
from engine.models.enforcement import EnforcementCase
from engine.vocabulary.words import MEASURES

COUNT, SUM = "count", "sum"


@dataclass(frozen=True)
class EnforcementMeasure:
    code: str
    kind: str  # COUNT of rows, or SUM of ``value``
    when: Any  # the column whose moment puts a row in the period
    condition: Any = true()
    value: Any = None
    name_en: str = ""

    @property
    def name(self) -> str:
        """Chinese; the web app translates it as a message id (engine/vocabulary/words.MEASURES)."""
        return MEASURES[self.code]


E = EnforcementCase
ENFORCEMENT_MEASURES: tuple[EnforcementMeasure, ...] = (
    EnforcementMeasure("enforcement_filed", COUNT, E.filed_at, name_en="Enforcement cases filed"),
    EnforcementMeasure("enforcement_fines", SUM, E.decided_at, E.fine_yuan.is_not(None), E.fine_yuan,
                       name_en="Fines (yuan)"),
    EnforcementMeasure("enforcement_limits", COUNT, E.decided_at, E.production_limit.in_(("limit", "stop")),
                       name_en="Production limits or stops ordered"),
    EnforcementMeasure("enforcement_handovers", COUNT, E.handed_over_at, name_en="Cases handed to the police"),
)
ENFORCEMENT_BY_CODE: Mapping[str, EnforcementMeasure] = {m.code: m for m in ENFORCEMENT_MEASURES}


def enforcement_figures(session: Session, period: Period, *, scope, tz: str) -> dict[str, int | Decimal]:
    """Each enforcement count in the period, within ``scope`` (a WHERE clause on Case)."""
    start, end = period.utc_bounds(tz)
    figures: dict[str, int | Decimal] = {}
    for m in ENFORCEMENT_MEASURES:
        what = func.count(E.id) if m.kind == COUNT else func.coalesce(func.sum(m.value), 0)
        query = select(what).select_from(E).join(Case, Case.id == E.case_id).where(
            and_(m.when >= start, m.when < end, m.condition, scope))
        value = session.scalar(query) or 0
        figures[m.code] = int(value) if m.kind == COUNT else Decimal(value).quantize(Decimal("0.01"))
    return figures
