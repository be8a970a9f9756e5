"""The ledger's columns, once, for the Excel sheets and the PDF: a Chinese header and how a row's
value reads (every code through engine/vocabulary)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.core.timefmt import deadline_text
from engine.ledger.rows import LedgerRow
from engine.vocabulary.words import CATEGORIES, CHANNELS, COLOURS, SATISFACTION, STAGES, STATUSES, TIERS, word

# Fill of a row by its colour (四色): light tints a printed sheet keeps readable, as the board's.
FILLS = {"green": "#C6EFCE", "blue": "#DDEBF7", "yellow": "#FFEB9C", "red": "#FFC7CE"}


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # Excel characters
    value: Callable[[LedgerRow, ZoneInfo], object]  # text, a number, or a local datetime (no zone)
    in_pdf: bool = True


def _local(when: datetime | None, tz: ZoneInfo) -> datetime | None:
    return when.astimezone(tz).replace(tzinfo=None) if when else None


def _on_time(row: LedgerRow, _tz) -> str:
    if row.closed_on_time is None:
        return ""
    return "按时" if row.closed_on_time else "超期"


COLUMNS: tuple[Column, ...] = (
    Column("案件编号", 24, lambda r, tz: r.number),
    Column("标题", 36, lambda r, tz: r.title),
    Column("问题类别", 10, lambda r, tz: word(CATEGORIES, r.category)),
    Column("来源渠道", 14, lambda r, tz: word(CHANNELS, r.channel), in_pdf=False),
    Column("乡镇（街道）", 12, lambda r, tz: r.town),
    Column("所在网格", 14, lambda r, tz: r.place, in_pdf=False),
    Column("承办部门", 18, lambda r, tz: r.department),
    Column("状态", 10, lambda r, tz: word(STATUSES, r.status)),
    Column("办理阶段", 10, lambda r, tz: word(STAGES, r.stage)),
    Column("颜色", 10, lambda r, tz: word(COLOURS, r.colour)),
    Column("督办层级", 12, lambda r, tz: word(TIERS, r.tier)),
    Column("包案领导", 14, lambda r, tz: r.leader),
    Column("紧急", 6, lambda r, tz: "是" if r.urgent else "", in_pdf=False),
    Column("登记时间", 17, lambda r, tz: _local(r.received_at, tz)),
    Column("受理时间", 17, lambda r, tz: _local(r.accepted_at, tz), in_pdf=False),
    # Deadlines read the statutory way ("24:00" of the last day), as on every page.
    Column("阶段期限", 17, lambda r, tz: deadline_text(r.stage_due, tz) if r.stage else ""),
    Column("办结时间", 17, lambda r, tz: _local(r.closed_at, tz)),
    Column("按时办结", 9, _on_time),
    Column("回访结果", 10, lambda r, tz: word(SATISFACTION, r.satisfaction)),
    Column("重新办理", 9, lambda r, tz: "是" if r.reopened else "", in_pdf=False),
    Column("延期天数", 9, lambda r, tz: r.extension_days or "", in_pdf=False),
)
HEADERS = tuple(c.header for c in COLUMNS)
