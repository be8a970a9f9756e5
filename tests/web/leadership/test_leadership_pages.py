"""我包的案件 and 重点案件 in the browser's terms: the pages per role, recording 调度/会商/下访 with
their errors, the flags on the case page and the board; every request one write transaction (the
app fixture counts them)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.models import CaseFlag, LeaderRecord, Task
from tests.engine.leadership.conftest import add_second_leader, own, user_id


@pytest.fixture
def owned(env):
    case = env.register(title="化工园区夜间异味")
    env.accept_and_assign(case)
    own(env, case)
    return env.case(case)


def test_the_leader_sees_their_cases_in_the_nav_and_the_list(env, as_user, owned):
    other = env.register(title="别人的案件")
    leader = as_user("leader")
    home = leader.get("/leadership").get_data(as_text=True)
    assert "我包的案件" in home and "重点案件" in home  # both in the leader's navigation
    assert owned.number in home and other.number not in home
    # Supervisors below the top tier get the flagged list but not 我包的案件; handlers neither.
    nav = as_user("supervisor").get("/cases").get_data(as_text=True)
    assert "重点案件" in nav and "我包的案件" not in nav
    nav = as_user("handler").get("/cases").get_data(as_text=True)
    assert "重点案件" not in nav and "我包的案件" not in nav


def test_recording_a_progress_check_from_the_case_page(env, as_user, owned):
    leader = as_user("leader")
    url = f"/leadership/cases/{owned.id}"
    page = leader.get(url)
    assert page.status_code == 200 and "记录调度" in page.get_data(as_text=True)
    answer = leader.post(f"{url}/checks", {"held_on": "2026-03-02", "decisions": "要求本周完成整改",
                                           "next_check": "2026-03-09"}, page_url=url)
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"{url}#h-records")
    page = leader.get(url).get_data(as_text=True)
    assert "已记录调度" in page and "要求本周完成整改" in page and "2026-03-09" in page
    assert "将于 2026-03-09 09:00 在待办中提醒" in page
    listing = leader.get("/leadership").get_data(as_text=True)
    assert "2026-03-02" in listing and "2026-03-09" in listing
    # The case page's timeline says it too.
    assert "包案领导调度（2026-03-02）：要求本周完成整改" in leader.get(f"/cases/{owned.id}").get_data(as_text=True)


def test_an_overdue_next_check_is_highlighted(env, as_user, owned):
    leader = as_user("leader")
    url = f"/leadership/cases/{owned.id}"
    leader.post(f"{url}/checks", {"held_on": "2026-03-02", "decisions": "d", "next_check": "2026-03-03"},
                page_url=url)
    env.clock.set(env.clock.now().replace(day=4))
    leader = as_user("leader")  # two days on, the first sign-in has long ended
    listing = leader.get("/leadership").get_data(as_text=True)
    assert 'class="check-overdue"' in listing and "已过期，请调度" in listing


def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(env, as_user, owned):
    leader = as_user("leader")
    url = f"/leadership/cases/{owned.id}"
    answer = leader.post(f"{url}/checks", {"held_on": "2026-03-09", "decisions": "", "next_check": "2026-03-01"},
                         page_url=url)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "日期不能晚于今天" in page and "此项必填" in page and "下次调度日期须晚于今天" in page
    assert 'id="check-decisions-error"' in page and 'aria-invalid="true"' in page
    assert env.count(LeaderRecord) == 0


def test_english_errors(env, as_user, owned):
    leader = as_user("leader")
    leader.client.post("/lang/en", data={"csrf_token": leader.any_token()})
    url = f"/leadership/cases/{owned.id}"
    page = leader.post(f"{url}/visits", {"held_on": "2026-03-02", "place": "", "heard": ""},
                       page_url=url).get_data(as_text=True)
    assert "This field is required" in page and "Record a visit" in page


def test_recording_a_meeting_with_follow_up_items(env, as_user, owned):
    leader = as_user("leader")
    url = f"/leadership/cases/{owned.id}"
    supervisor, handler2 = user_id(env, "supervisor"), user_id(env, "handler2")
    answer = leader.post(f"{url}/meetings", {
        "held_on": "2026-03-02", "attendees": [str(supervisor), str(handler2)], "outside": "村委会 王五",
        "decisions": "联合执法", "item-0": "现场检查", "department-0": "enforcement", "person-0": str(handler2),
        "days-0": "3", "item-1": "", "department-1": "", "days-1": ""}, page_url=url)
    assert answer.status_code == 303
    page = leader.get(url).get_data(as_text=True)
    assert "督查科 吴刚、执法大队 赵磊、村委会 王五" in page and "现场检查" in page
    with env.db.read() as s:
        task = s.scalars(select(Task).where(Task.case_id == owned.id, Task.spec == "lf_do")).one()
    assert task.assignee_id == handler2
    inbox = as_user("handler2").get("/inbox").get_data(as_text=True)
    assert "会商事项落实" in inbox
    # A half-filled item is an error on its own field; the attendees chosen stay chosen.
    answer = leader.post(f"{url}/meetings", {
        "held_on": "2026-03-02", "attendees": [str(supervisor)], "decisions": "再议", "item-0": "补充监测",
        "department-0": "", "days-0": "5"}, page_url=url)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and 'id="meeting-follow_ups-0-department-error"' in page
    assert f'<option value="{supervisor}" selected>' in page


def test_recording_a_visit(env, as_user, owned):
    leader = as_user("leader")
    url = f"/leadership/cases/{owned.id}"
    answer = leader.post(f"{url}/visits", {"held_on": "2026-03-02", "place": "张家村", "visitors": "郑国华",
                                           "heard": "夜里气味仍重", "outcome": "承诺安装在线监测"}, page_url=url)
    assert answer.status_code == 303
    page = leader.get(url).get_data(as_text=True)
    assert "夜里气味仍重" in page and "承诺安装在线监测" in page


@pytest.mark.parametrize("username", ["leader2", "supervisor", "handler", "intake", "town"])
def test_the_page_is_the_owners_alone(env, as_user, owned, username):
    add_second_leader(env)
    assert as_user(username).get(f"/leadership/cases/{owned.id}").status_code == 404


def test_an_administrator_sees_every_owned_case(env, as_user, owned):
    admin = as_user("admin")
    assert owned.number in admin.get("/leadership").get_data(as_text=True)
    assert admin.get(f"/leadership/cases/{owned.id}").status_code == 200


def test_flags_on_the_case_page_board_and_flagged_list(env, as_user, owned):
    supervisor = as_user("supervisor")
    case_url = f"/cases/{owned.id}"
    page = supervisor.get(case_url).get_data(as_text=True)
    assert "添加标记" in page
    answer = supervisor.post(f"/leadership/cases/{owned.id}/flags",
                             {"action": "set", "flag": "key", "reason": "群众反映强烈"}, page_url=case_url)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#h-flags")
    page = supervisor.get(case_url).get_data(as_text=True)
    assert "已标记为“重点”" in page and "群众反映强烈" in page and "标记为「重点」，理由：群众反映强烈" in page
    assert 'class="badge flag">重点' in supervisor.get("/board").get_data(as_text=True)
    listing = supervisor.get("/leadership/flagged?flag=key").get_data(as_text=True)
    assert owned.number in listing
    assert owned.number not in supervisor.get("/leadership/flagged?flag=backlog").get_data(as_text=True)
    assert owned.number not in supervisor.get("/leadership/flagged?colour=red").get_data(as_text=True)
    # A missing reason is refused with a message; nothing changes.
    answer = supervisor.post(f"/leadership/cases/{owned.id}/flags", {"action": "clear", "flag": "key", "reason": ""},
                             page_url=case_url)
    assert "此项必填" in supervisor.get(answer.headers["Location"]).get_data(as_text=True)
    assert env.count(CaseFlag) == 1
    supervisor.post(f"/leadership/cases/{owned.id}/flags", {"action": "clear", "flag": "key", "reason": "已解决"},
                    page_url=case_url)
    assert env.count(CaseFlag) == 0
    # A handler sees the flags on the case page but no form to change them.
    supervisor.post(f"/leadership/cases/{owned.id}/flags", {"action": "set", "flag": "backlog", "reason": "r"},
                    page_url=case_url)
    page = as_user("handler").get(case_url).get_data(as_text=True)
    assert 'class="badge flag">积案' in page and "添加标记" not in page


@pytest.mark.parametrize(("username", "status"), [("handler", 404), ("town", 404), ("lead", 404),
                                                  ("supervisor", 200), ("leader", 200), ("admin", 200)])
def test_the_flagged_list_is_the_supervision_sections(env, as_user, username, status):
    assert as_user(username).get("/leadership/flagged").status_code == status
