"""The statistics page (/stats) as an attack surface: a lead asking for another department's
figures through the query, hostile query values, and a place or department whose name is markup
reaching the page's tables and the chart data (JSON in a data attribute, drawn by
webapp/static/stats.js)."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest
from lxml import html as lxml_html
from sqlalchemy import select, update

from engine.models import Case, Department, Grid
from tests.web.stats.cases import add_stats_cases, value_text


@pytest.fixture
def stats_cases(env) -> dict[str, int]:
    return add_stats_cases(env)


PAYLOAD = "<script>alert(1)</script>"
ATTRIBUTE_BREAK = "'\"><img src=x onerror=alert(2)>"


def tree_of(answer):
    assert answer.status_code == 200, answer.get_data(as_text=True)[:1000]
    return lxml_html.fromstring(answer.get_data(as_text=True))


def received(tree) -> str:
    return value_text(tree.xpath('//li[@id="measure-received"]')[0])


@pytest.mark.parametrize("query", [
    "department=enforcement", "by=department&department=enforcement", "town=T01&department=enforcement",
    "by=department&key=enforcement", "department=enforcement&department=air",
])
def test_a_lead_sees_only_their_department_whatever_the_query(stats_cases, as_user, query):
    lead = as_user("lead")  # 大气环境科 (air): a1, a2, a3 in March
    own = tree_of(lead.get("/stats"))
    assert received(own) == "3"
    answer = tree_of(lead.get(f"/stats?{query}"))
    if "department=enforcement" in query and "department=air" not in query:
        assert received(answer) == "0", "another department's filter finds none of the lead's cases"
    for by in ("department", "town"):
        sliced = tree_of(lead.get(f"/stats?{query}&by={by}"))
        if by == "department":
            keys = set(sliced.xpath('//table[@id="breakdown"]/tbody/tr/@data-key'))
            assert keys <= {"air"}, keys
        ranked = set(sliced.xpath('//table[@id="ranking-department"]/tbody/tr/@data-key'))
        assert ranked <= {"air"}, ranked
        # No figure names it (the period line does echo the filter the lead typed, by its name).
        assert "执法大队" not in "".join(sliced.xpath("//table//text() | //div/@data-chart"))


def test_a_town_supervisor_sees_only_their_town(stats_cases, as_user):
    town = as_user("town")  # 城关镇 (T01)
    assert received(tree_of(town.get("/stats"))) == "3"
    assert received(tree_of(town.get("/stats?town=T02"))) == "0"
    tree = tree_of(town.get("/stats?by=town"))
    assert tree.xpath('//table[@id="breakdown"]/tbody/tr/@data-key') == ["T01"]
    assert tree.xpath('//table[@id="ranking-town"]/tbody/tr/@data-key') == ["T01"]


def test_a_drill_down_link_edited_by_hand_lists_only_the_persons_cases(stats_cases, as_user, env):
    lead = as_user("lead")
    with env.db.read() as s:
        numbers = dict(s.execute(select(Case.id, Case.number)).all())
    page = lead.get("/cases?measure=received&side=numerator&from=2026-03-01&to=2026-03-31"
                    "&by=department&key=enforcement").get_data(as_text=True)
    assert numbers[stats_cases["e1"]] not in page


@pytest.mark.parametrize("query", [
    "by=town%27%3B%20DROP%20TABLE%20%22case%22%3B--",
    "category=air%27%20OR%201%3D1--",
    "tier=1%20OR%201%3D1",
    "period=custom&from=2026-03-01%27%20OR%20%271%27%3D%271&to=2026-03-31",
    "period=custom&from=%3Cscript%3Ealert(1)%3C%2Fscript%3E&to=2026-03-31",
    "period=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "bucket=day%27--",
    "period=custom&from=99999-01-01&to=2026-03-31",
    "town=" + "T" * 5000,
])
def test_hostile_query_values_are_refused_or_harmless(stats_cases, as_user, query, env):
    answer = as_user("supervisor").get(f"/stats?{query}")
    assert answer.status_code in (200, 400), answer.status_code
    text = answer.get_data(as_text=True)
    assert "<script>alert" not in text and '"><script>' not in text
    if answer.status_code == 200:
        assert received(lxml_html.fromstring(text)) == "0"  # a hostile filter value matches nothing
    assert env.count(Case) == 6, "nothing was changed"


def test_a_place_or_department_named_like_markup_stays_text(stats_cases, as_user, env):
    with env.db.write() as s:
        s.execute(update(Grid).where(Grid.code == "T01").values(name=f"{PAYLOAD}城关镇{ATTRIBUTE_BREAK}"))
        s.execute(update(Department).where(Department.code == "air").values(name=f"{PAYLOAD}大气科"))
    person = as_user("supervisor")
    for by in ("town", "department"):
        answer = person.get(f"/stats?by={by}")
        raw = answer.get_data(as_text=True)
        assert "<script>alert" not in raw and "<img src=x" not in raw, by
        tree = tree_of(answer)
        # The names are shown as text in the tables…
        names = tree.xpath('//table[@id="breakdown"]/tbody/tr/th/text()')
        assert any(PAYLOAD in name for name in names), names
        # …and reach the charts as data: the attribute parses back to the very same text.
        charts = {el.get("id"): json.loads(el.get("data-chart")) for el in tree.xpath('//div[@data-chart]')}
        assert any(PAYLOAD in label for label in charts["chart-breakdown"]["categories"])
        ranking = charts[f"chart-ranking-{by}"]["categories"]
        assert any(PAYLOAD in label for label in ranking), ranking
        for chart in charts.values():
            for series in chart["series"]:
                for href in series["links"]:
                    assert href is None or (href.startswith("/cases?") and urlparse(href).netloc == "")
                    if href:
                        assert parse_qs(urlparse(href).query)["measure"]
