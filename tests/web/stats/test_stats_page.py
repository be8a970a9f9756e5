"""The statistics page (/stats): who may open it, the period and breakdown it is asked for, the
figures it shows (engine/measures' own), the "—" of a rate without denominator, the case list
behind every number, and the page in English."""
from __future__ import annotations

import sys
from datetime import date

import pytest
from flask import has_request_context
from lxml import html as lxml_html
from sqlalchemy import select

from engine.measures import MEASURE_LIST, DrillDown, Filters, Period, measure
from engine.models import Case, User
from tests.web.conftest import SEPARATE_UNITS
from tests.web.stats.cases import TZ, cell, page_tree, query_of, value_text
from webapp.access import load_staff, statistics_scope

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "month")

# Supervisors (the county's, the bureau leader, a town's), department leads and administrators see
# statistics; intake staff and handlers (grid officers too) are refused the page.
ROLES = {"admin": 200, "supervisor": 200, "leader": 200, "town": 200, "lead": 200, "lead2": 200,
         "intake": 403, "handler": 403, "gridofficer": 403}


@pytest.mark.parametrize("username, status", ROLES.items())
def test_who_may_open_the_page(as_user, username, status):
    person = as_user(username)
    assert person.get("/stats").status_code == status
    home = person.get("/overview").get_data(as_text=True)
    assert ('href="/stats"' in home) == (status == 200), "the menu offers the page to exactly those who may open it"


def test_signed_out_goes_to_sign_in(as_user):
    answer = as_user().get("/stats")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def staff(env, username):
    with env.db.read() as s:
        return load_staff(s, s.scalar(select(User.id).where(User.username == username)))


def module_figures(env, username, by=None, filters=None):
    with env.db.read() as s:
        return measure(s, MARCH, scope=statistics_scope(staff(env, username)), tz=TZ, by=by, filters=filters)


def shown(td) -> str:
    return value_text(td)


def expected_text(figures, m) -> str:
    value = figures.value(m)
    if m.kind == "count":
        return f"{value:,}"
    if m.kind == "rate":
        return value.text()
    return "—" if value.mean is None else f"{value.mean:.1f}"


@pytest.mark.parametrize("by", ["town", "department", "category", "channel"])
def test_each_breakdown_shows_the_modules_figures(stats_cases, as_user, env, by):
    tree = page_tree(as_user("supervisor").get(f"/stats?period=month&by={by}"))
    measured = module_figures(env, "supervisor", by=by)
    assert measured.rows, "the fixture has cases in March"
    keys = tree.xpath('//table[@id="breakdown"]/tbody/tr/@data-key')
    assert keys == [row.key if row.key is not None else "~" for row in measured.rows]
    for row in measured.rows:
        key = row.key if row.key is not None else "~"
        for m in MEASURE_LIST:
            assert shown(cell(tree, "breakdown", key, m.code)) == expected_text(row.figures, m), (key, m.code)
    for m in MEASURE_LIST:
        assert shown(cell(tree, "breakdown", "total", m.code)) == expected_text(measured.total, m), m.code
        card = tree.xpath(f'//li[@id="measure-{m.code}"]')[0]
        assert value_text(card) == expected_text(measured.total, m)


def test_figures_by_hand_for_the_towns(stats_cases, as_user):
    tree = page_tree(as_user("supervisor").get("/stats"))  # this month, by town: the defaults
    t01 = {m.code: shown(cell(tree, "breakdown", "T01", m.code)) for m in MEASURE_LIST}
    assert t01 == {"received": "3", "accepted": "3", "closed": "2", "closure_rate": "66.7%", "on_time_rate": "50.0%",
                   "follow_up_rate": "100.0%", "satisfaction_rate": "50.0%", "repeat_rate": "0.0%", "overdue": "1",
                   "warning": "0", "escalated": "1", "return_rate": "0.0%", "handling_time": "3.5",
                   # no handling form recorded how it checked: the share has no denominator
                   "non_site_rate": "—", "relapsed": "0", "recurrent": "0"}
    names = tree.xpath('//table[@id="breakdown"]/tbody/tr/th/text()')
    assert names == ["城关镇", "东城街道"]
    assert "2026-03-01 – 2026-03-31" in tree.xpath('string(//p[@id="period-line"])')


def test_a_rate_without_denominator_reads_dash_never_0_or_100_percent(stats_cases, as_user):
    tree = page_tree(as_user("supervisor").get("/stats?by=town"))
    # 东城街道: one case accepted, none closed: 办结率 0.0%, but on-time, follow-up and satisfaction "—".
    assert shown(cell(tree, "breakdown", "T02", "closure_rate")) == "0.0%"
    for code in ("on_time_rate", "follow_up_rate", "satisfaction_rate", "handling_time"):
        td = cell(tree, "breakdown", "T02", code)
        assert shown(td) == "—", code
        assert not td.xpath('./a[contains(@class, "value")]'), "a dash is not a number and links nowhere"
    # Nothing accepted at all (the case not yet assigned to a department): its 办结率 is "—" too.
    by_department = page_tree(as_user("supervisor").get("/stats?by=department"))
    assert shown(cell(by_department, "breakdown", "~", "closure_rate")) == "—"
    # A period without cases: every rate and the handling time "—", counts 0.
    empty = page_tree(as_user("supervisor").get("/stats?period=custom&from=2025-01-01&to=2025-01-31"))
    for m in MEASURE_LIST:
        text = value_text(empty.xpath(f'//li[@id="measure-{m.code}"]')[0])
        assert text == ("0" if m.kind == "count" else "—"), m.code
    assert "0%" not in empty.xpath('string(//ul[@id="measure-cards"])').replace("0.0%", "")


def test_every_number_links_to_the_cases_behind_it(stats_cases, as_user, env):
    tree = page_tree(as_user("supervisor").get("/stats?by=town"))
    links = tree.xpath('//main//a[@href][ancestor::table or ancestor::ul[@id="measure-cards"]]')
    assert len(links) > 100
    for link in links:
        q = query_of(link.get("href"))
        assert q.pop("_path") == "/cases"
        drill = DrillDown.from_args(q)  # the module reads back what the page wrote
        assert drill is not None and drill.filters == Filters()
    # One number, followed: T01's 办结件 lists exactly a1 and a2.
    td = cell(tree, "breakdown", "T01", "closed")
    q = query_of(td.xpath('./a[contains(@class, "value")]/@href')[0])
    assert q == {"_path": "/cases", "measure": "closed", "side": "numerator", "from": "2026-03-01",
                 "to": "2026-03-31", "by": "town", "key": "T01"}
    # A rate's denominator: T02's 办结率 over its accepted cases.
    parts = cell(tree, "breakdown", "T02", "closure_rate").xpath('./small/a/@href')
    assert [query_of(h)["side"] for h in parts] == ["numerator", "denominator"]
    # The trend's buckets narrow the dates; the rankings slice by their own dimension.
    day = query_of(cell(tree, "trend", "2026-03-02", "received").xpath('./a/@href')[0])
    assert (day["from"], day["to"], day.get("by")) == ("2026-03-02", "2026-03-02", None)
    dept = query_of(cell(tree, "ranking-department", "air", "closure_rate").xpath('./a/@href')[0])
    assert (dept["by"], dept["key"]) == ("department", "air")


def test_the_case_list_opens_on_the_cases_behind_a_number(stats_cases, as_user, env):
    person = as_user("supervisor")
    tree = page_tree(person.get("/stats?by=town"))
    href = cell(tree, "breakdown", "T01", "closed").xpath('./a[contains(@class, "value")]/@href')[0]
    listed = person.get(href)
    assert listed.status_code == 200
    text = listed.get_data(as_text=True)
    with env.db.read() as s:
        numbers = dict(s.execute(select(Case.id, Case.number)).all())
    shown_numbers = {name for name, case_id in stats_cases.items() if numbers[case_id] in text}
    assert shown_numbers == {"a1", "a2"}


@pytest.mark.parametrize("query, field, words", [
    ("period=custom&from=2026-13-01&to=2026-03-31", "from", "YYYY-MM-DD"),
    ("period=custom&from=2026-03-31&to=2026-03-01", "to", "结束日期早于开始日期"),
    ("period=custom", "from", "请填写开始日期和结束日期"),
    ("period=custom&from=2026-03-01", "to", "起止日期"),
    ("period=fortnight", "period", "未知的统计区间"),
    ("period=custom&from=2018-01-01&to=2026-12-31&bucket=day", "bucket", None),
    ("period=custom&from=2010-01-01&to=2026-12-31", "to", None),
    ("period=custom&from=1900-01-01&to=1900-01-02", "from", "1970"),
    ("by=street", "by", "street"),
    ("bucket=hour", "bucket", "未知的趋势粒度"),
    ("tier=abc", "tier", None),
    ("category=nope", "category", None),
])
def test_a_bad_choice_is_a_clear_error_not_a_page_of_wrong_figures(stats_cases, as_user, query, field, words):
    answer = as_user("supervisor").get(f"/stats?{query}")
    assert answer.status_code == 400
    tree = lxml_html.fromstring(answer.get_data(as_text=True))
    alert = tree.xpath('string(//*[@id="stats-errors"])')
    assert alert, "an error summary is shown"
    if words:
        assert words in alert
    assert tree.xpath(f'//*[@name="{field}"]/@aria-invalid') in (["true"], []), field
    if field in ("period", "from", "to", "by", "bucket"):
        assert tree.xpath(f'//*[@name="{field}"]/@aria-invalid') == ["true"]
    assert not tree.xpath('//ul[@id="measure-cards"]'), "no figures for a choice that could not be read"


def test_presets_and_a_custom_range(stats_cases, as_user):
    person = as_user("supervisor")
    line = lambda q: page_tree(person.get(f"/stats?{q}")).xpath('string(//p[@id="period-line"])')  # noqa: E731
    assert "2026-03-02" in line("period=day") and "–" not in line("period=day")
    assert "2026-03-02 – 2026-03-08" in line("period=week")
    assert "2026-01-01 – 2026-12-31" in line("period=year")
    tree = page_tree(person.get("/stats?period=custom&from=2026-02-15&to=2026-03-02"))
    assert "2026-02-15 – 2026-03-02" in tree.xpath('string(//p[@id="period-line"])')
    assert value_text(tree.xpath('//li[@id="measure-received"]')[0]) == "6"  # f1 in February counts too
    assert tree.xpath('//select[@name="period"]/option[@selected]/@value') == ["custom"]
    assert tree.xpath('//input[@name="from"]/@value') == ["2026-02-15"]
    # The quick links keep the breakdown and drop the custom dates.
    week = tree.xpath('//nav[contains(@class, "presets")]/a[contains(@href, "period=week")]/@href')[0]
    assert "from=" not in week and "by=town" in week


def test_the_trend_bucket_follows_the_period_unless_asked(stats_cases, as_user):
    person = as_user("supervisor")
    month = page_tree(person.get("/stats?period=month"))
    assert len(month.xpath('//table[@id="trend"]/tbody/tr')) == 31
    year = page_tree(person.get("/stats?period=year"))
    assert year.xpath('//table[@id="trend"]/tbody/tr/th/text()')[:3] == ["2026-01", "2026-02", "2026-03"]
    weeks = page_tree(person.get("/stats?period=month&bucket=week"))
    assert len(weeks.xpath('//table[@id="trend"]/tbody/tr')) == 6  # 1 March is a Sunday
    assert weeks.xpath('//select[@name="bucket"]/option[@selected]/@value') == ["week"]


def test_the_page_only_reads(stats_cases, app, as_user, env, monkeypatch):
    """A statistics request opens no write transaction (the app fixture also checks at most one)."""
    person = as_user("supervisor")
    writes = []
    write = env.db.write

    def counted():
        if has_request_context() and not sys._getframe(1).f_code.co_filename.endswith(SEPARATE_UNITS):
            writes.append(1)
        return write()

    monkeypatch.setattr(env.db, "write", counted)
    for query in ("", "?by=department&period=year", "?period=custom&from=2026-13-01&to=x"):
        person.get(f"/stats{query}")
    assert writes == []


def test_the_page_in_english(stats_cases, as_user):
    person = as_user("supervisor")
    person.post("/lang/en", data={"next": "/"}, page_url="/")
    tree = page_tree(person.get("/stats?by=category"))
    text = tree.xpath("string(//main)")
    for words in ("Statistics", "Completion rate", "On-time completion rate", "Satisfaction rate", "Ranking"):
        assert words in text, words
    assert tree.xpath('//table[@id="breakdown"]/tbody/tr/th/text()') == ["Air", "Water"]
    assert "办结率" not in text and "统计分析" not in text
    errors = person.get("/stats?period=custom&from=2026-03-31&to=2026-03-01")
    assert errors.status_code == 400 and "the end date is before the start date" in errors.get_data(as_text=True)


def test_echarts_is_served_from_its_npm_package(app):
    client = app.test_client()
    script = client.get("/vendor/echarts/echarts.common.min.js")
    assert script.status_code == 200 and "javascript" in script.mimetype
    assert b"echarts" in script.get_data()[:2000].lower()
    script.close()
    assert client.get("/vendor/echarts/../package.json").status_code == 404


def test_filters_from_the_address_narrow_every_figure_and_are_named(stats_cases, as_user):
    person = as_user("supervisor")
    tree = page_tree(person.get("/stats?department=air&category=water"))
    assert value_text(tree.xpath('//li[@id="measure-received"]')[0]) == "1"  # a3
    line = tree.xpath('string(//p[@id="period-line"])')
    assert "大气环境科" in line and "水" in line
    assert tree.xpath('//form[@id="stats-form"]//input[@type="hidden"]/@name') == ["department", "category"]
    href = tree.xpath('//li[@id="measure-received"]/a/@href')[0]
    assert query_of(href)["department"] == "air" and query_of(href)["category"] == "water"
    cleared = tree.xpath('//p[@id="period-line"]/a/@href')[0]
    assert "department" not in cleared and "category" not in cleared
