"""The summary of a ledger (its 汇总 sheet and the PDF's first tables): what the ledger is of, and
the measures of the period — every figure from engine/measures (``measure``), none computed here:
the totals with each rate's numerator and denominator, and the main measures by town."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.ledger.filters import LedgerFilters, period_label
from engine.ledger.rows import LedgerScope
from engine.measures import (
    MEASURE_LIST,
    MEASURES_BY_CODE,
    NO_VALUE,
    Duration,
    Filters,
    Measured,
    Period,
    Rate,
    measure,
    patrol_figure_name,
    patrol_figures,
)
from engine.measures.field import COUNTS as PATROL_COUNTS
from engine.measures.field import RATES as PATROL_RATES
from engine.models import Department, Grid
from engine.vocabulary.words import CATEGORIES, CHANNELS, COLOURS, STAGES, STATUSES, TIERS, word

TITLE = "四色台账"
FILTER_NAMES = {"colour": "颜色", "stage": "办理阶段", "tier": "督办层级", "department": "承办部门",
                "town": "乡镇（街道）", "category": "问题类别", "channel": "来源渠道", "status": "状态",
                "leader_owned": "领导包案"}


@dataclass(frozen=True)
class Block:
    title: str
    header: tuple[str, ...] = ()
    rows: list[tuple] = field(default_factory=list)
    percent_columns: frozenset[int] = frozenset()


def describe_filters(session: Session, filters: LedgerFilters) -> str:
    """The filters in words (筛选条件), "全部" when none."""
    vocab = {"colour": COLOURS, "stage": STAGES, "tier": TIERS, "category": CATEGORIES, "channel": CHANNELS,
             "status": STATUSES}
    parts = []
    for key, value in filters.as_dict().items():
        if key == "department":
            text = session.scalar(select(Department.name).where(Department.code == value)) or value
        elif key == "town":
            text = session.scalar(select(Grid.name).where(Grid.code == value)) or value
        elif key == "leader_owned":
            text = "是"
        else:
            text = word(vocab[key], value)
        parts.append(f"{FILTER_NAMES[key]}：{text}")
    return "；".join(parts) or "全部"


def summary_blocks(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
                   tz: ZoneInfo, generated_at: datetime) -> list[Block]:
    about = Block(f"{TITLE}汇总", rows=[
        ("期间（登记日期）", period_label(period)),
        ("筛选条件", describe_filters(session, filters)),
        ("生成时间", generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")),
    ])
    return [about, *measure_blocks(session, period, filters, scope, tz),
            patrol_block(session, period, scope, tz, generated_at)]


# The ledger's filters that engine/measures can also narrow by (its slices); the others (colour,
# stage, status, leader-owned) describe the state of a case now, which no measure is sliced by.
_MEASURE_FILTERS = ("town", "department", "category", "channel", "tier")
# The columns of the per-town table: its counts and its main rates.
TOWN_COLUMNS = ("received", "accepted", "closed", "closure_rate", "on_time_rate", "satisfaction_rate", "overdue",
                "warning")


def measure_filters(filters: LedgerFilters) -> Filters:
    """The ledger's filters as engine/measures' slice filters (those it has)."""
    return Filters(**{name: str(getattr(filters, name) or "") for name in _MEASURE_FILTERS})


def measures_of(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
                tz: ZoneInfo, by: str | None = None) -> Measured:
    """engine/measures' figures for the ledger's period, scope and slice filters: what the summary
    shows, and what a test compares it with."""
    return measure(session, period, scope=scope.where, tz=tz, filters=measure_filters(filters), by=by)


def _value(figures, m):
    value = figures.value(m)
    if isinstance(value, Rate):
        return value.value if value.value is not None else NO_VALUE
    if isinstance(value, Duration):
        return value.text()
    return value


def measure_blocks(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
                   tz: ZoneInfo) -> list[Block]:
    by_town = measures_of(session, period, filters, scope, tz, by="town")
    total = by_town.total
    rows = []
    for m in MEASURE_LIST:
        value = total.value(m)
        if isinstance(value, Rate):
            rows.append((m.name, _value(total, m), value.numerator, value.denominator))
        else:
            rows.append((m.name, _value(total, m), None, None))
    blocks = [Block("统计指标", ("指标", "数值", "分子", "分母"), rows, frozenset({1}))]
    ignored = [FILTER_NAMES[k] for k in filters.as_dict() if k not in _MEASURE_FILTERS]
    if ignored:
        blocks[0].rows.append((f"注：指标按期间、范围和{'、'.join(FILTER_NAMES[k] for k in _MEASURE_FILTERS)}统计，"
                               f"不受{'、'.join(ignored)}筛选影响", None, None, None))
    town_measures = [MEASURES_BY_CODE[code] for code in TOWN_COLUMNS]
    percent_columns = frozenset(i for i, m in enumerate(town_measures, start=1) if m.kind == "rate")
    town_rows = [(row.label, *(_value(row.figures, m) for m in town_measures)) for row in by_town.rows]
    town_rows.append(("合计", *(_value(total, m) for m in town_measures)))
    blocks.append(Block("分乡镇（街道）", ("乡镇（街道）", *(m.name for m in town_measures)), town_rows, percent_columns))
    return blocks


def patrol_block(session: Session, period: Period, scope: LedgerScope, tz: ZoneInfo, now: datetime) -> Block:
    """The patrols due in the period, by town (engine/measures/field.py), within the reader's
    patrol scope; rates without a denominator read "—"."""
    measured = patrol_figures(session, period, scope=scope.patrols, tz=tz, now=now, by="town")
    columns = (*PATROL_COUNTS, *PATROL_RATES)

    def values(figures) -> tuple:
        out = []
        for code in columns:
            value = figures.value(code)
            out.append((value.value if value.value is not None else NO_VALUE) if isinstance(value, Rate) else value)
        return tuple(out)

    rows = [(row.label, *values(row)) for row in measured.rows]
    rows.append(("合计", *values(measured.total)))
    percent_columns = frozenset(i for i, code in enumerate(columns, start=1) if code in PATROL_RATES)
    return Block("网格巡查（分乡镇，本期到期）", ("乡镇（街道）", *(patrol_figure_name(c) for c in columns)), rows,
                 percent_columns)
