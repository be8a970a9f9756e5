"""Cases for the statistics page (the web, security and browser tests), written as rows with the facts engine/measures counts (the
engine's own steps that set them are tested in tests/engine/measures/): cheap, and every figure
is known by hand.

March 2026 in Shanghai (the clock's month: tests/conftest.START is Monday 2 March):

| case | town | department | state |
|---|---|---|---|
| a1 | T01 城关镇 | air | closed on time, 2 working days, followed up, satisfied |
| a2 | T01 城关镇 | air | closed late, 5 working days, followed up, unsatisfied |
| e1 | T01 城关镇 | enforcement | accepted, red, escalated twice |
| a3 | T02 东城街道 | air | accepted, yellow, returned once |
| n1 | T02 东城街道 | — | received, not decided (nothing accepted: 办结率 "—") |
| f1 | T01 城关镇 | air | received in February (outside March) |
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

from lxml import html as lxml_html
from sqlalchemy import select

from engine.models import Case, Department

TZ = "Asia/Shanghai"
VILLAGE = {"T01": "/C/T01/T01-A01/T01-A01-V01/", "T02": "/C/T02/T02-A01/T02-A01-V01/"}
_numbers = itertools.count(1)


def local(day: int, hour: int = 9, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone(timedelta(hours=8))).astimezone(timezone.utc)


def add_case(session, *, town: str | None = "T01", department: str | None = None, received: datetime | None = None,
             **facts) -> Case:
    n = next(_numbers)
    department_id = (session.scalar(select(Department.id).where(Department.code == department))
                     if department else None)
    case = Case(number=f"统计〔2026〕{n:06d}", tracking_code=f"STA{n:08d}", channel=facts.pop("channel", "hotline"),
                category=facts.pop("category", "air"), title=facts.pop("title", f"统计用案件 {n}"),
                received_at=received or local(2), grid_path=VILLAGE[town] if town else None,
                status=facts.pop("status", "received"), colour=facts.pop("colour", "blue"),
                department_id=department_id, **facts)
    session.add(case)
    session.flush()
    return case


def closed(**facts) -> dict:
    return {"status": "closed", "colour": "green", "accepted_at": local(2), "assigned_at": local(2),
            "closed_at": local(6), "closed_on_time": True, **facts}


def add_stats_cases(env) -> dict[str, int]:
    """The cases of the table above; {name: case id}."""
    with env.db.write() as s:
        made = {
            "a1": add_case(s, department="air", **closed(handling_workdays=2, followed_up_at=local(9),
                                                         satisfaction="satisfied")),
            "a2": add_case(s, department="air", **closed(handling_workdays=5, closed_on_time=False,
                                                         followed_up_at=local(9), satisfaction="unsatisfied")),
            "e1": add_case(s, department="enforcement", status="handling", colour="red", accepted_at=local(2),
                           assigned_at=local(2), escalation_count=2, tier=3),
            "a3": add_case(s, town="T02", department="air", status="handling", colour="yellow",
                           accepted_at=local(3), assigned_at=local(3), return_count=1, category="water"),
            "n1": add_case(s, town="T02", status="received", channel="public"),
            "f1": add_case(s, department="air", received=local(20, month=2), **closed(handling_workdays=1)),
        }
        return {name: case.id for name, case in made.items()}


def page_tree(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return lxml_html.fromstring(response.get_data(as_text=True))


def cell(tree, table: str, key: str, measure: str):
    """The <td> of a measure in a row (data-key) of one of the page's tables."""
    found = tree.xpath(f'//table[@id="{table}"]//tr[@data-key="{key}"]/td[@data-measure="{measure}"]')
    assert len(found) == 1, f"{table}/{key}/{measure}: {len(found)} cells"
    return found[0]


def value_text(td) -> str:
    """The figure's value: the link's text, or the "—" of a rate without a denominator."""
    first = td.xpath('./a[contains(@class, "value")] | ./span[contains(@class, "no-value")]')
    assert first, lxml_html.tostring(td, encoding="unicode")
    return first[0].text_content().strip()


def query_of(href: str) -> dict[str, str]:
    parsed = urlparse(href)
    return {k: v[0] for k, v in parse_qs(parsed.query).items()} | {"_path": parsed.path}
