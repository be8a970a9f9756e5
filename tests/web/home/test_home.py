"""Each role's home page (webapp/home/landing.py) and the supervisors' dashboard (webapp/home/dashboard.py)."""
from __future__ import annotations

import re

import pytest

from tests.conftest import TEST_PASSWORD
from tests.web.conftest import csrf_of
from webapp.home.landing import home_endpoint


@pytest.mark.parametrize(("username", "home"), [
    ("intake", "/inbox"), ("handler", "/inbox"), ("gridofficer", "/inbox"), ("lead", "/approvals"),
    ("town", "/dashboard"), ("supervisor", "/dashboard"), ("leader", "/dashboard"),
])
def test_each_role_lands_on_its_page_after_sign_in_and_at_home(as_user, username, home):
    person = as_user()
    page = person.client.get("/login").get_data(as_text=True)
    signed_in = person.client.post("/login", data={"username": username, "password": TEST_PASSWORD,
                                                   "csrf_token": csrf_of(page)}, follow_redirects=True)
    assert signed_in.status_code == 200 and signed_in.request.path == home
    answer = person.get("/")
    assert answer.status_code == 302 and answer.headers["Location"] == home


def test_an_administrator_lands_on_the_overview(as_user):
    page = as_user("admin").get("/")
    assert page.status_code == 200 and "在办案件" in page.get_data(as_text=True)


def test_the_most_urgent_role_wins_and_only_pages_the_app_has():
    every = {"home.dashboard", "approvals.index", "inbox.index"}
    assert home_endpoint({"intake", "supervisor"}, every) == "home.dashboard"
    assert home_endpoint({"handler", "lead"}, every) == "approvals.index"
    assert home_endpoint({"admin", "intake"}, every) == "inbox.index"
    assert home_endpoint({"admin"}, every) is None
    assert home_endpoint({"lead"}, {"inbox.index"}) is None


def figures(page: str, code: str) -> list[str]:
    """The dashboard's today and this-month values of one measure, as shown."""
    row = re.search(rf'<tr data-measure="{code}">(.*?)</tr>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def overdue_cases(env):
    """A red case in 城关镇 (T01) and one in T02: both assignments overdue, raised to their towns."""
    ours = env.register(title="城关镇红色案件")
    theirs = env.register(title="二号镇红色案件", grid_code="T02-A01-V01")
    for case in (ours, theirs):
        env.complete(case, "receive", {"decision": "accept"})
    env.at("2026-03-03T16:00:01+00:00")
    assert env.case(ours).colour == env.case(theirs).colour == "red"
    return ours, theirs


def test_dashboard_shows_red_cases_and_own_tasks_in_scope(env, as_user):
    ours, theirs = overdue_cases(env)
    fresh = env.register(title="刚登记的蓝色案件")

    town = as_user("town").get("/dashboard").get_data(as_text=True)
    red = town[town.index('id="red-cases"'):town.index('id="my-tasks"')]
    assert ours.number in red and theirs.number not in town and fresh.number not in red
    assert "红色 超期" in red and "已超期" in red
    tasks = town[town.index('id="my-tasks"'):]
    # The town's supervision task of its own case (tier 2), in its group.
    assert ours.number in tasks and "督办" in tasks and "我的组 1 项" in tasks

    county = as_user("supervisor").get("/dashboard").get_data(as_text=True)
    red = county[county.index('id="red-cases"'):county.index('id="my-tasks"')]
    assert ours.number in red and theirs.number in red
    assert "暂无待办" in county  # tier 3: nothing has reached the county yet
    assert as_user("leader").get("/dashboard").status_code == 200

    # Today (4 March) and this month, from engine/measures, each within the person's scope.
    assert figures(county, "received") == ["1", "3"] and figures(town, "received") == ["1", "2"]
    assert figures(county, "overdue") == ["0", "2"] and figures(town, "overdue") == ["0", "1"]
    assert figures(county, "accepted") == ["0", "2"]
    assert figures(county, "closure_rate") == ["—", "0.0%"]  # nothing accepted today: no rate
    # Each count links to the cases behind it, in the case list.
    assert 'href="/cases?measure=received&amp;side=numerator&amp;from=2026-03-01&amp;to=2026-03-31"' in county


@pytest.mark.parametrize("username", ["intake", "handler", "lead"])
def test_dashboard_is_for_supervisors(as_user, username):
    assert as_user(username).get("/dashboard").status_code == 403


@pytest.mark.parametrize("url", ["/overview", "/cases", "/inbox"])
def test_deadlines_end_at_24_00_on_every_list(env, as_user, url):
    case = env.register()  # 受理 within 15 working days: to the end of 23 March
    page = as_user("intake").get(url).get_data(as_text=True)
    assert case.number in page and "2026-03-23 24:00" in page and "2026-03-24 00:00" not in page
