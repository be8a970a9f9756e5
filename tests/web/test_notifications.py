"""The bell and the notification list: scoped, newest first, marked read per person."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine.models import Grid, Notification, Task, User, UserRole
from engine.notify.notifications import Audience, Directory
from engine.org.seed import seed_staff
from tests.conftest import TEST_PASSWORD
from webapp.access import load_staff, task_scope


def bell(page: str) -> int:
    match = re.search(r'id="unread-count">(\d*)<', page)
    assert match, "no bell on the page"
    return int(match.group(1) or 0)


def ids_of(env, username: str) -> list[int]:
    with env.db.read() as s:
        return list(s.scalars(select(Notification.id).join(User, User.id == Notification.user_id)
                              .where(User.username == username).order_by(Notification.id)))


def test_bell_counts_only_what_is_addressed_to_the_person(env, as_user):
    intake, handler, handler2 = as_user("intake"), as_user("handler"), as_user("handler2")
    case = env.register()
    assert bell(intake.get("/").get_data(as_text=True)) == 1
    env.accept_and_assign(case, department="air")
    assert bell(intake.get("/").get_data(as_text=True)) == 2
    assert bell(handler.get("/").get_data(as_text=True)) == 1
    assert bell(handler2.get("/").get_data(as_text=True)) == 0  # the enforcement brigade is not involved

    page = handler.get("/notifications").get_data(as_text=True)
    assert case.number in page and "新任务" in page
    assert case.number not in handler2.get("/notifications").get_data(as_text=True)
    assert "大气科" not in as_user("lead2").get("/notifications").get_data(as_text=True)


def test_list_is_newest_first_with_a_link_to_the_case(env, app, as_user):
    first = env.register(title="第一件投诉")
    env.clock.advance(minutes=5)
    second = env.register(title="第二件投诉")
    page = as_user("intake").get("/notifications").get_data(as_text=True)
    assert page.index(second.number) < page.index(first.number)
    if "cases.show" in app.view_functions:
        assert f'href="/cases/{second.id}"' in page

    env.complete(second, "receive", {"decision": "accept"})
    env.at("2026-03-03T16:00:01+00:00")  # assignment overdue: the town supervisor is told
    town = as_user("town").get("/notifications").get_data(as_text=True)
    assert second.number in town and "督办" in town
    link = f'href="/cases/{second.id}"' if "cases.show" in app.view_functions else f'href="/board/cases/{second.id}"'
    assert link in town


def test_mark_one_and_then_all_read(env, as_user):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    intake = as_user("intake")
    first, second = ids_of(env, "intake")
    assert bell(intake.get("/").get_data(as_text=True)) == 2

    answer = intake.post(f"/notifications/{first}/read", page_url="/notifications")
    assert answer.status_code == 303
    assert bell(intake.get("/").get_data(as_text=True)) == 1
    with env.db.read() as s:
        assert s.get(Notification, first).read_at == env.clock.now()
        assert s.get(Notification, second).read_at is None
    unread = intake.get("/notifications?unread=1").get_data(as_text=True)
    assert f'id="notification-{second}"' in unread and f'id="notification-{first}"' not in unread

    intake.post("/notifications/read-all", page_url="/notifications")
    assert bell(intake.get("/").get_data(as_text=True)) == 0
    assert "全部标为已读" in intake.get("/notifications").get_data(as_text=True)


def test_nobody_marks_someone_elses_notification(env, as_user):
    env.register()
    [theirs] = ids_of(env, "intake")
    assert as_user("handler").post(f"/notifications/{theirs}/read", page_url="/notifications").status_code == 404
    as_user("handler").post("/notifications/read-all", page_url="/notifications")
    with env.db.read() as s:
        assert s.get(Notification, theirs).read_at is None


def test_notifications_need_sign_in_and_a_csrf_token(env, as_user):
    env.register()
    assert as_user().get("/notifications").status_code == 302
    [mine] = ids_of(env, "intake")
    assert as_user("intake").client.post(f"/notifications/{mine}/read").status_code == 400


def test_recipients_match_the_inbox_scope_for_every_staff_member(env):
    """engine.notifications.may_work mirrors webapp.access.task_scope: check them against each other
    for the whole county's staff and tasks of every group, in and out of town."""
    with env.db.write() as s:
        seed_staff(s, TEST_PASSWORD, whole_county=True)
        town_desk = User(username="intake_t02", display_name="西城街道受理员", email="i2@greenloop.example",
                         grid_id=s.scalar(select(Grid.id).where(Grid.code == "T02")))
        town_desk.role_rows = [UserRole(role="intake")]
        s.add(town_desk)
    cases = [env.register(), env.register(grid_code="T02-A01-V01"), env.register(grid_code=None, address="县城")]
    env.accept_and_assign(cases[0], department="enforcement", joint_departments=["air", "water"])
    env.accept_and_assign(cases[1], department="air")
    env.complete(cases[1], "handle", {"outcome": "extension", "extension_days": 5, "extension_reason": "检测"})
    env.complete(cases[2], "receive", {"decision": "accept"})
    env.at("2026-03-04T16:00:01+00:00")  # assignment overdue: supervision tasks for tier 2
    with env.db.read() as s:
        tasks = list(s.scalars(select(Task).where(Task.state == "ready")))
        groups = {t.candidate_group for t in tasks}
        assert groups == {"intake", "handler", "lead", "supervisor"}
        directory = Directory(s)
        staff = [load_staff(s, uid) for uid in s.scalars(select(User.id))]
        for task in tasks:
            expected = {p.id for p in staff if p and not p.is_admin and s.scalar(
                select(Task.id).where(Task.id == task.id, task_scope(p))) is not None}
            assert set(directory.recipients(Audience.of_task(task, personal=False))) == expected, task.spec
