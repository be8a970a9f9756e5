"""The bell and the notification list: scoped, newest first, marked read per person."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine.models import Notification, User


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
    assert bell(intake.get("/notifications").get_data(as_text=True)) == 1
    env.accept_and_assign(case, department="air")
    assert bell(intake.get("/notifications").get_data(as_text=True)) == 2
    assert bell(handler.get("/notifications").get_data(as_text=True)) == 1
    assert bell(handler2.get("/notifications").get_data(as_text=True)) == 0  # the enforcement brigade is not involved

    page = handler.get("/notifications").get_data(as_text=True)
    assert case.number in page and "新任务" in page
    assert case.number not in handler2.get("/notifications").get_data(as_text=True)
    assert "大气科" not in as_user("lead2").get("/notifications").get_data(as_text=True)


def test_list_is_newest_first_with_a_link_to_the_case(env, app, as_user):
    first = env.register(title="第一件投诉")
    env.complete(first, "receive", {"decision": "accept"})  # intake: the 交办 task of this case
    env.clock.advance(minutes=5)
    second = env.register(title="第二件投诉")  # joins the desk's 受理 digest, now the newest
    page = as_user("intake").get("/notifications").get_data(as_text=True)
    assert page.index(second.number) < page.index(first.number)
    assert "受理：新到任务 2 件" in page and 'href="/inbox?view=group&amp;stage=receive"' in page
    if "cases.show" in app.view_functions:
        assert f'href="/cases/{first.id}"' in page

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
    assert bell(intake.get("/notifications").get_data(as_text=True)) == 2

    answer = intake.post(f"/notifications/{first}/read", page_url="/notifications")
    assert answer.status_code == 303
    assert bell(intake.get("/notifications").get_data(as_text=True)) == 1
    with env.db.read() as s:
        assert s.get(Notification, first).read_at == env.clock.now()
        assert s.get(Notification, second).read_at is None
    unread = intake.get("/notifications?unread=1").get_data(as_text=True)
    assert f'id="notification-{second}"' in unread and f'id="notification-{first}"' not in unread

    intake.post("/notifications/read-all", page_url="/notifications")
    assert bell(intake.get("/notifications").get_data(as_text=True)) == 0
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


# ---------------------------------------------------------------------------- digests and settings


def test_a_digest_links_to_the_queue_and_a_repeat_shows_its_count(env, as_user):
    for _ in range(3):
        env.register()
    page = as_user("intake").get("/notifications").get_data(as_text=True)
    assert "受理：新到任务 3 件" in page and 'href="/inbox?view=group&amp;stage=receive"' in page
    assert bell(page) == 1


def test_choosing_how_often_to_be_mailed(env, as_user):
    from engine.models import NotificationPreference

    intake = as_user("intake")
    page = intake.get("/notifications/settings").get_data(as_text=True)
    assert 'value="immediately" checked' in page and "每日汇总一封" in page and "8 点" in page
    answer = intake.post("/notifications/settings", {"email_frequency": "daily"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/notifications/settings"
    assert 'value="daily" checked' in intake.get("/notifications/settings").get_data(as_text=True)
    with env.db.read() as s:
        row = s.get(NotificationPreference, s.scalar(select(User.id).where(User.username == "intake")))
        assert (row.email_frequency, row.last_digest_at) == ("daily", env.clock.now())

    refused = intake.post("/notifications/settings", {"email_frequency": "hourly"})
    assert refused.status_code == 400 and "请选择一种邮件频率" in refused.get_data(as_text=True)
    with env.db.read() as s:
        assert s.get(NotificationPreference, row.user_id).email_frequency == "daily"
    assert as_user().get("/notifications/settings").status_code == 302  # sign in first
