"""A small ledger: eight cases over two towns, four colours, two departments and two months,
registered through the engine (so every column is real) and then set to the states a ledger
must show (closed on time / late, escalated, leader-owned, rated) with one UPDATE each."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select, update

from engine.ledger.filters import LedgerFilters
from engine.measures import Period
from engine.models import Case, Department, Grid, User

MARCH = Period.custom(date(2026, 3, 1), date(2026, 3, 31))
# (received, place, category, channel, title, state)
SPECS = [
    ("2026-03-02T02:00+00:00", "T01-A01-V01", "air", "hotline", "化工厂夜间排放异味", dict(colour="red", tier=3)),
    ("2026-03-03T02:00+00:00", "T01-A01-V01", "noise", "public", "工地夜间施工噪声", dict(colour="yellow", tier=2)),
    ("2026-03-04T02:00+00:00", "T02-A01-V01", "water", "grid", "河道排污口黑水", dict(colour="blue")),
    ("2026-03-05T02:00+00:00", "T02-A01-V01", "air", "hotline", "露天焚烧垃圾", dict(
        colour="green", status="closed", stage=None, closed_on_time=True, satisfaction="satisfied",
        closed_at=datetime(2026, 3, 20, 2, tzinfo=timezone.utc))),
    ("2026-03-06T02:00+00:00", "T01-A01-V01", "air", "visit", "=HYPERLINK(\"http://evil.example\",\"点击\")",
     dict(colour="red", tier=4, leader="leader")),
    # 23:30 on 31 March in Shanghai: still March, though 15:30 UTC.
    ("2026-03-31T15:30+00:00", "T02-A01-V01", "solid_waste", "letter", "固废堆放", dict(colour="blue")),
    # 00:30 on 1 April in Shanghai: April, though still 31 March in UTC.
    ("2026-03-31T16:30+00:00", "T01-A01-V01", "air", "hotline", "四月的案件", dict(colour="blue")),
    ("2026-02-27T02:00+00:00", "T01-A01-V01", "air", "hotline", "二月的案件", dict(colour="green")),
]


@dataclass
class Ledger:
    ids: list[int]
    by_title: dict[str, int]


@pytest.fixture
def ledger_cases(env) -> Ledger:
    ids, by_title = [], {}
    with env.db.read() as s:
        leader_id = s.scalar(select(User.id).where(User.username == "leader"))
        departments = dict(s.execute(select(Department.code, Department.id)).all())
    for i, (when, place, category, channel, title, state) in enumerate(SPECS):
        env.clock.set(datetime.fromisoformat(when))
        case = env.register(grid_code=place, category=category, channel=channel, title=title,
                            description=f"第{i}件")
        values = dict(state)
        if values.pop("leader", None):
            values["leader_owner_id"] = leader_id
        values["department_id"] = departments["air" if category == "air" else "enforcement"]
        with env.db.write() as s:
            s.execute(update(Case).where(Case.id == case.id).values(**values))
        ids.append(case.id)
        by_title[title] = case.id
    return Ledger(ids, by_title)


def march_titles(rows) -> set[str]:
    return {r.title for r in rows}


__all__ = ["MARCH", "LedgerFilters", "Grid", "march_titles"]
