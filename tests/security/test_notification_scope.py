"""The bell's writes touch only the person's own rows; they need a CSRF token; and a supervisor's
dashboard shows only their scope."""
from __future__ import annotations

from sqlalchemy import func, select

from engine.models import Notification, NotificationPreference, User


def unread(env, username: str) -> int:
    with env.db.read() as s:
        return s.scalar(select(func.count()).select_from(Notification).join(User, User.id == Notification.user_id)
                        .where(User.username == username, Notification.read_at.is_(None)))


def test_mark_all_read_touches_only_the_persons_own_rows(env, as_user):
    case = env.register()
    env.accept_and_assign(case, department="air")  # intake, handler and the grid officer are told
    with env.db.write() as s:  # a group row, as a step leaves one before fanning out
        s.add(Notification(user_id=None, group="handler", kind="task", title="组内通知", created_at=env.clock.now()))
    before = {u: unread(env, u) for u in ("intake", "handler", "gridofficer")}
    assert all(before.values())
    answer = as_user("handler").post("/notifications/read-all", {"user_id": "2", "next": "/notifications"},
                                     page_url="/notifications")
    assert answer.status_code == 303
    assert unread(env, "handler") == 0
    assert unread(env, "intake") == before["intake"] and unread(env, "gridofficer") == before["gridofficer"]
    with env.db.read() as s:
        assert s.scalar(select(Notification.read_at).where(Notification.user_id.is_(None))) is None


def test_bell_writes_need_a_csrf_token(env, as_user):
    env.register()
    intake = as_user("intake")
    assert intake.client.post("/notifications/read-all").status_code == 400
    assert intake.client.post("/notifications/settings", data={"email_frequency": "never"}).status_code == 400
    assert unread(env, "intake") == 1
    with env.db.read() as s:
        assert s.scalar(select(func.count()).select_from(NotificationPreference)) == 0


def test_settings_change_only_the_signed_in_persons_preference(env, as_user):
    as_user("handler").post("/notifications/settings", {"email_frequency": "never", "user_id": "2"})
    with env.db.read() as s:
        chosen = dict(s.execute(select(User.username, NotificationPreference.email_frequency)
                                .join(User, User.id == NotificationPreference.user_id)).all())
    assert chosen == {"handler": "never"}


def test_a_supervisors_dashboard_shows_only_their_scope(env, as_user):
    ours = env.register(title="城关镇的投诉")
    theirs = env.register(title="二号镇的投诉", grid_code="T02-A01-V01")
    for case in (ours, theirs):
        env.complete(case, "receive", {"decision": "accept"})
    env.at("2026-03-03T16:00:01+00:00")  # both overdue: red, raised to their towns
    town = as_user("town").get("/dashboard").get_data(as_text=True)
    assert ours.number in town and theirs.number not in town and "二号镇的投诉" not in town
    # The complainant's name is not on the dashboard at all, for anyone.
    assert "张三" not in town and "13800000000" not in town
