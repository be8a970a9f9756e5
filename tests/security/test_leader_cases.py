"""A leader's own cases as an attack surface: another leader, a supervisor or a handler can neither
read nor post to a case they do not own (404, nothing recorded); every form needs its CSRF token;
typed markup is text; the tracking page tells the complainant only that a leader visited; the
reminder reserved for the owner is nobody else's task."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.leadership import records
from engine.models import CaseFlag, LeaderRecord, Task
from engine.org.scopes import leader_case_scope
from tests.engine.leadership.conftest import add_second_leader, own, staff, user_id

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
POSTS = {
    "checks": {"held_on": "2026-03-02", "decisions": "d", "next_check": "2026-03-09"},
    "meetings": {"held_on": "2026-03-02", "outside": "王五", "decisions": "d"},
    "visits": {"held_on": "2026-03-02", "place": "p", "heard": "h"},
}


@pytest.fixture
def owned(env):
    case = env.register()
    env.accept_and_assign(case)
    own(env, case)
    add_second_leader(env)
    return env.case(case)


@pytest.mark.parametrize("username", ["leader2", "supervisor", "town", "handler", "lead", "intake"])
def test_nobody_but_the_owner_reads_or_writes_the_leaders_records(env, as_user, owned, username):
    browser = as_user(username)
    url = f"/leadership/cases/{owned.id}"
    assert browser.get(url).status_code == 404
    for kind, data in POSTS.items():
        answer = browser.post(f"{url}/{kind}", data, page_url="/inbox")
        assert answer.status_code == 404, kind
    assert env.count(LeaderRecord) == 0
    # Nor is the case in their list.
    assert owned.number not in browser.get("/leadership").get_data(as_text=True)


@pytest.mark.parametrize("username", ["handler", "lead", "intake", "town"])
def test_below_the_supervision_section_nobody_flags_a_case(env, as_user, owned, username):
    answer = as_user(username).post(f"/leadership/cases/{owned.id}/flags",
                                    {"action": "set", "flag": "key", "reason": "r"}, page_url="/inbox")
    assert answer.status_code == 404 and env.count(CaseFlag) == 0


def test_a_case_outside_a_supervisors_area_cannot_be_flagged(env, as_user, owned):
    from tests.web.work.test_board import add_supervisor

    add_supervisor(env, "town_t02_sup", tier=3, grid="T02")  # county-tier rank, posted to another town
    answer = as_user("town_t02_sup").post(f"/leadership/cases/{owned.id}/flags",
                                          {"action": "set", "flag": "key", "reason": "r"}, page_url="/inbox")
    assert answer.status_code == 404 and env.count(CaseFlag) == 0


def test_every_form_needs_its_csrf_token(env, as_user, owned):
    leader = as_user("leader")
    for kind, data in POSTS.items():
        answer = leader.client.post(f"/leadership/cases/{owned.id}/{kind}", data=data)
        assert answer.status_code == 400, kind
    answer = leader.client.post(f"/leadership/cases/{owned.id}/flags", data={"action": "set", "flag": "key",
                                                                             "reason": "r"})
    assert answer.status_code == 400
    assert env.count(LeaderRecord) == 0 and env.count(CaseFlag) == 0


def test_typed_markup_is_shown_as_text(env, as_user, owned):
    leader = as_user("leader")
    url = f"/leadership/cases/{owned.id}"
    leader.post(f"{url}/checks", {"held_on": "2026-03-02", "decisions": HOSTILE}, page_url=url)
    leader.post(f"{url}/meetings", {"held_on": "2026-03-02", "outside": HOSTILE, "decisions": HOSTILE,
                                    "item-0": HOSTILE, "department-0": "air", "days-0": "2"}, page_url=url)
    leader.post(f"{url}/visits", {"held_on": "2026-03-02", "place": HOSTILE, "heard": HOSTILE,
                                  "outcome": HOSTILE}, page_url=f"/cases/{owned.id}")
    leader.post(f"/leadership/cases/{owned.id}/flags", {"action": "set", "flag": "key", "reason": HOSTILE},
                page_url=f"/cases/{owned.id}")
    assert env.count(LeaderRecord) == 3 and env.count(CaseFlag) == 1
    for page_url in (url, f"/cases/{owned.id}", "/leadership", "/leadership/flagged", "/board"):
        page = leader.get(page_url).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page, page_url
    page = leader.get(url).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    # The follow-up item's task page (its form prefilled with the item) escapes it too.
    with env.db.read() as s:
        task = s.scalars(select(Task).where(Task.case_id == owned.id, Task.spec == "lf_do")).one()
    page = as_user("handler").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    # The case file (案卷) prints it as text: tests/documents/test_case_file_leadership.py.


def test_the_tracking_page_tells_of_a_visit_and_nothing_of_what_was_said_or_decided(env, as_user, owned):
    leader = staff(env, "leader")
    scope = leader_case_scope(leader)
    secrets = ["调度决定甲乙丙", "会商决定丁戊己", "村委会主任王五", "投诉人反映庚辛", "下访结果壬癸", "现场执法检查子丑"]
    env.run(records.record_check, owned.id, actor="leader", scope=scope, held_on="2026-03-02",
            decisions=secrets[0], next_check="2026-03-09")
    env.run(records.record_meeting, owned.id, actor="leader", scope=scope, held_on="2026-03-02",
            attendee_ids=[user_id(env, "supervisor")], outside=secrets[2], decisions=secrets[1],
            follow_ups=[records.FollowUpItem(secrets[5], "enforcement", None, 3)])
    env.run(records.record_visit, owned.id, actor="leader", scope=scope, held_on="2026-03-02", place="村东头晒谷场",
            visitors="郑国华", heard=secrets[3], outcome=secrets[4])
    env.at("2026-03-09T02:00:00+00:00")  # the reminder fires; the follow-up item runs late
    page = as_user().get(f"/public/track/{owned.tracking_code}").get_data(as_text=True)
    assert "局领导带案下访，当面听取了您的意见" in page
    for secret in [*secrets, "调度", "会商", "晒谷场", "郑国华", "落实"]:
        assert secret not in page, secret
    # The registration is told once, not again for each process started beside the loop.
    assert page.count("投诉已登记") == 1


def test_the_owners_reminder_is_nobody_elses_task(env, as_user, owned):
    env.run(records.record_check, owned.id, actor="leader", scope=leader_case_scope(staff(env, "leader")),
            held_on="2026-03-02", decisions="d", next_check="2026-03-03")
    env.at("2026-03-03T01:00:01+00:00")
    with env.db.read() as s:
        task = s.scalars(select(Task).where(Task.spec == "lc_remind", Task.state == "ready")).one()
    assert as_user("leader").get(f"/tasks/{task.id}").status_code == 200
    for username in ("leader2", "supervisor", "town"):
        browser = as_user(username)
        assert browser.get(f"/tasks/{task.id}").status_code == 404, username
        assert browser.post(f"/tasks/{task.id}", {"decisions": "x"}, page_url="/inbox").status_code == 404
    # Reassigning it from the board offers nobody else.
    page = as_user("leader").get(f"/board/cases/{owned.id}").get_data(as_text=True)
    assert f'value="{user_id(env, "leader2")}"' not in page
