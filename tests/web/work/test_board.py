"""The supervisors' four-colour board and its actions: supervise (督办), reassign (改派), own (包案)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from engine.models import AuditEvent, Case, Grid, Notification, Task, User, UserRole
from engine.org.passwords import hash_password
from engine.org.seed import seed_staff
from engine.work.board import BoardFilters, load_board
from tests.conftest import TEST_PASSWORD
from webapp.access import case_scope, load_staff


def add_supervisor(env, username: str, tier: int, grid: str = "C") -> None:
    with env.db.write() as s:
        user = User(username=username, display_name=f"{username} 领导", password_hash=hash_password(TEST_PASSWORD),
                    grid_id=s.scalar(select(Grid.id).where(Grid.code == grid)), tier=tier,
                    email=f"{username}@greenloop.example")
        user.role_rows = [UserRole(role="supervisor")]
        s.add(user)


def user_id(env, username: str) -> int:
    with env.db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


@pytest.fixture
def board(env):
    """Cases in every colour: two red ones at different tiers and one red in another town,
    a yellow one and a blue one (Monday 2 March 2026 → Wednesday night 4 March)."""
    with env.db.write() as s:
        seed_staff(s, TEST_PASSWORD, whole_county=True)  # town_t02 and friends
    red_low = env.register(title="化工厂异味")  # assignment left undone: overdue, tier 1 → 2
    env.complete(red_low, "receive", {"decision": "accept"})
    red_high = env.register(title="河道死鱼", urgent=True)  # handling runs on hours: overdue, up the tiers
    env.accept_and_assign(red_high, department="enforcement")
    elsewhere = env.register(title="石料厂粉尘", grid_code="T02-A01-V01")
    env.complete(elsewhere, "receive", {"decision": "accept"})
    env.at("2026-03-04T03:00:00+00:00")
    yellow = env.register(title="养殖场污水")
    env.complete(yellow, "receive", {"decision": "accept"})  # one working day: yellow tonight
    env.at("2026-03-04T16:30:00+00:00")
    blue = env.register(title="夜间施工噪声")
    cases = {"red_low": red_low, "red_high": red_high, "elsewhere": elsewhere, "yellow": yellow, "blue": blue}
    got = {name: (env.case(c).colour, env.case(c).tier) for name, c in cases.items()}
    assert got == {"red_low": ("red", 2), "red_high": ("red", 4), "elsewhere": ("red", 2),
                   "yellow": ("yellow", 1), "blue": ("blue", 1)}
    return cases


def test_board_shows_the_supervisors_area_red_first_then_by_tier(board, as_user, env):
    town = as_user("town")
    page = town.get("/board").get_data(as_text=True)
    numbers = [board[name].number for name in ("red_high", "red_low", "yellow", "blue")]
    positions = [page.index(n) for n in numbers]
    assert positions == sorted(positions), "red (tier 4, then tier 2), then yellow, then blue"
    assert board["elsewhere"].number not in page  # another town
    assert page.index('id="group-red"') < page.index('id="group-yellow"') < page.index('id="group-blue"')
    assert re.search(r'id="count-red">\s*2<', page) and re.search(r'id="count-tier-4">\s*1<', page)
    assert "超期" in page and "剩余" in page and "局领导" in page
    assert "分管局领导 郑国华" in page  # the leader who owns the tier-4 case

    county = as_user("supervisor").get("/board").get_data(as_text=True)
    assert board["elsewhere"].number in county and re.search(r'id="count-red">\s*3<', county)


def test_board_query_counts_time_left_in_working_days(board, env):
    with env.db.read() as s:
        staff = load_staff(s, user_id(env, "town"))
        result = load_board(s, case_scope(staff), BoardFilters(), env.clock.now(), "Asia/Shanghai")
    assert [r.number for r in result.groups["red"]] == [board["red_high"].number, board["red_low"].number]
    red_low = result.groups["red"][1]
    # Due at 24:00 Tuesday 3 March; now is 00:30 Thursday: Wednesday and Thursday have begun.
    assert (red_low.overdue, red_low.days_left, red_low.town) == (True, -2.0, "城关镇")
    blue = result.groups["blue"][0]
    assert not blue.overdue and blue.days_left > 10
    assert result.tier_counts == {4: 1, 2: 1, 1: 2}


def test_board_filters_by_town_department_and_stage(board, as_user, env):
    county = as_user("supervisor")
    t02 = county.get("/board?town=T02").get_data(as_text=True)
    assert board["elsewhere"].number in t02 and board["red_low"].number not in t02
    with env.db.read() as s:
        enforcement = s.scalar(select(Case.department_id).where(Case.id == board["red_high"].id))
    by_department = county.get(f"/board?department={enforcement}").get_data(as_text=True)
    assert board["red_high"].number in by_department and board["red_low"].number not in by_department
    receiving = county.get("/board?stage=receive").get_data(as_text=True)
    assert board["blue"].number in receiving and board["yellow"].number not in receiving
    only_red = county.get("/board?colour=red").get_data(as_text=True)
    assert board["red_low"].number in only_red and board["blue"].number not in only_red


def test_board_filters_by_tier_and_category(board, as_user, env):
    county = as_user("supervisor")
    top = county.get("/board?tier=4").get_data(as_text=True)
    assert board["red_high"].number in top and board["red_low"].number not in top
    assert '<option value="4" selected>' in top
    with env.db.write() as s:
        s.execute(update(Case).where(Case.id == board["blue"].id).values(category="noise"))
    noise = county.get("/board?category=noise").get_data(as_text=True)
    assert board["blue"].number in noise and board["yellow"].number not in noise
    # A value that is no choice filters nothing.
    everything = county.get("/board?tier=7&category=x").get_data(as_text=True)
    assert all(case.number in everything for case in board.values())


def test_board_pages_each_colour_group(board, env):
    with env.db.read() as s:
        staff = load_staff(s, user_id(env, "supervisor"))
        first = load_board(s, case_scope(staff), BoardFilters(), env.clock.now(), "Asia/Shanghai", per_page=2)
        second = load_board(s, case_scope(staff), BoardFilters(colour="red", page=2), env.clock.now(),
                            "Asia/Shanghai", per_page=2)
    assert len(first.groups["red"]) == 2 and first.has_more("red") and not first.has_more("blue")
    assert [r.number for r in second.groups["red"]] == [board["elsewhere"].number]  # tier 2, due same time
    assert second.groups["blue"] == [] and not second.has_more("red")


def test_staff_who_are_not_supervisors_get_403(board, as_user):
    for username in ("intake", "handler", "lead"):
        person = as_user(username)
        assert person.get("/board").status_code == 403
        assert person.get(f"/board/cases/{board['red_low'].id}").status_code == 403


def test_supervise_records_the_note_and_tells_who_holds_the_case(board, as_user, env):
    case = board["red_low"]  # waiting in the intake desk's assignment stage
    town = as_user("town")
    url = f"/board/cases/{case.id}"
    assert town.get(url).status_code == 200
    refused = town.post(f"{url}/supervise", {"note": "  "}, page_url=url)
    assert refused.status_code == 400 and "请填写督办意见" in refused.get_data(as_text=True)
    assert env.audit(case, "supervised") == []

    done = town.post(f"{url}/supervise", {"note": "请今日内完成交办", "report_by": "2026-03-06"}, page_url=url)
    assert done.status_code == 303
    [event] = env.audit(case, "supervised")
    assert (event.actor, event.detail) == ("town", {"note": "请今日内完成交办", "tier": 2, "report_by": "2026-03-06"})
    with env.db.read() as s:
        told = s.execute(select(User.username, Notification.body).join(User, User.id == Notification.user_id)
                         .where(Notification.kind == "supervised")).all()
    assert [u for u, _ in told] == ["intake"] and "请今日内完成交办" in told[0][1] and "2026-03-06" in told[0][1]
    page = town.get(url).get_data(as_text=True)
    assert "请今日内完成交办" in page and "已督办" in page


def test_supervisor_of_another_town_gets_404(board, as_user, env):
    other = as_user("town_t02")
    case = board["red_low"]
    assert other.get(f"/board/cases/{case.id}").status_code == 404
    answer = other.post(f"/board/cases/{case.id}/supervise", {"note": "越权督办"}, page_url="/board")
    assert answer.status_code == 404
    answer = other.post(f"/board/cases/{case.id}/own", page_url="/board")
    assert answer.status_code == 404
    assert env.audit(case, "supervised") == []
    assert other.get(f"/board/cases/{board['elsewhere'].id}").status_code == 200  # their own town


def test_reassign_only_to_someone_who_could_work_the_task(board, as_user, env):
    case = board["red_high"]  # handling, enforcement brigade, 城关镇
    handle = env.task(case, "handle")
    url = f"/board/cases/{case.id}"
    supervisor = as_user("supervisor")
    page = supervisor.get(url).get_data(as_text=True)
    assert "执法大队 赵磊" in page and "大气科 李强" not in page  # the eligible ones are offered

    refused = supervisor.post(f"{url}/reassign", {"task_id": handle.id, "assignee": user_id(env, "handler")},
                              page_url=url)
    assert refused.status_code == 400 and "无权办理" in refused.get_data(as_text=True)
    assert env.task(case, "handle").assignee_id is None and env.audit(case, "reassigned") == []

    done = supervisor.post(f"{url}/reassign", {"task_id": handle.id, "assignee": user_id(env, "handler2")},
                           page_url=url)
    assert done.status_code == 303
    assert env.task(case, "handle").assignee_id == user_id(env, "handler2")
    [event] = env.audit(case, "reassigned")
    assert (event.actor, event.detail["to"], event.detail["previous"]) == ("supervisor", "handler2", None)
    with env.db.read() as s:
        told = s.scalars(select(Notification).where(Notification.kind == "reassigned")).all()
    assert [n.user_id for n in told] == [user_id(env, "handler2")] and case.number in told[0].title

    supervisor.post(f"{url}/reassign", {"task_id": handle.id, "assignee": ""}, page_url=url)
    assert env.task(case, "handle").assignee_id is None
    assert env.audit(case, "reassigned")[-1].detail["to"] is None


def test_reassign_refuses_tasks_of_other_cases(board, as_user, env):
    other_task = env.task(board["yellow"], "assign")
    case = board["red_low"]
    answer = as_user("town").post(f"/board/cases/{case.id}/reassign",
                                  {"task_id": other_task.id, "assignee": user_id(env, "intake")},
                                  page_url=f"/board/cases/{case.id}")
    assert answer.status_code == 404
    with env.db.read() as s:
        assert s.get(Task, other_task.id).assignee_id is None


def test_leader_owns_a_case_and_another_leader_cannot_overwrite(board, as_user, env):
    add_supervisor(env, "leader2", 4)
    case = board["red_low"]
    url = f"/board/cases/{case.id}"
    assert as_user("town").post(f"{url}/own", page_url=url).status_code == 403  # not a leader

    leader = as_user("leader")
    assert leader.post(f"{url}/own", page_url=url).status_code == 303
    assert env.case(case).leader_owner_id == user_id(env, "leader")
    assert [e.actor for e in env.audit(case, "leader_owned")] == ["leader"]

    other = as_user("leader2")
    clash = other.post(f"{url}/own", page_url=url)
    assert clash.status_code == 409 and "分管局领导 郑国华" in clash.get_data(as_text=True)
    assert env.case(case).leader_owner_id == user_id(env, "leader")
    assert other.post(f"{url}/release", page_url=url).status_code == 403

    assert leader.post(f"{url}/release", page_url=url).status_code == 303
    assert env.case(case).leader_owner_id is None
    assert other.post(f"{url}/own", page_url=url).status_code == 303
    assert env.case(case).leader_owner_id == user_id(env, "leader2")
    kinds = [e.kind for e in env.audit(case) if e.kind.startswith("leader_")]
    assert kinds == ["leader_owned", "leader_released", "leader_owned"]


def test_the_case_escalated_to_the_top_is_already_owned(board, as_user, env):
    add_supervisor(env, "leader2", 4)
    case = board["red_high"]
    page = as_user("leader2").get(f"/board/cases/{case.id}").get_data(as_text=True)
    assert "已由 分管局领导 郑国华 包案" in page and "我来包案" not in page
    assert "超期升级督办" in page  # the escalations appear in the supervision record


def test_actions_on_a_closed_case_are_refused(board, as_user, env):
    case = board["blue"]
    env.complete(case, "receive", {"decision": "reject", "reason": "不属于本局职责"})
    answer = as_user("town").post(f"/board/cases/{case.id}/supervise", {"note": "督办"},
                                  page_url=f"/board/cases/{case.id}")
    assert answer.status_code == 409
    with env.db.read() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.kind == "supervised")) is None
