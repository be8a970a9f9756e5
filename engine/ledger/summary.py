"""The summary of a ledger (its 汇总 sheet and the PDF's first table): what the ledger is of, and
the measures of the period — every figure from engine/measures, none computed here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.ledger.filters import LedgerFilters, Period
from engine.ledger.rows import LedgerScope
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
        ("期间（登记日期）", period.label),
        ("筛选条件", describe_filters(session, filters)),
        ("生成时间", generated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")),
    ])
    return [about, *measure_blocks(session, period, filters, scope, tz)]


def measure_blocks(session: Session, period: Period, filters: LedgerFilters, scope: LedgerScope,
                   tz: ZoneInfo) -> list[Block]:
    return []
