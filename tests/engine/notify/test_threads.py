"""Notifications people can live with (engine/notify/delivery.py, preferences.py, mail.py): the
person who must act is told, a group's new work is one digest per person and stage, repeats about
one case are one row, and each person chooses how often e-mail comes — the daily digest sent by the
worker at the configured local hour on the injected clock, to a real SMTP server (aiosmtpd)."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from engine.core.config import load_settings
from engine.core.errors import ConfigError, FormInvalid
from engine.jobs.worker import JobWorker
from engine.models import Notification, Task, User
from engine.notify.delivery import Audience, Message, deliver
from engine.notify.mail import digest_moment, send_daily_digests, send_pending
from engine.notify.preferences import email_frequency, set_email_frequency
from engine.timers.worker import TimerWorker
from tests.engine.notify.test_notifications import body_of, sink_at  # noqa: F401  (the SMTP sink fixture)

SH = ZoneInfo("Asia/Shanghai")


def rows_of(env, username: str, unread: bool = True) -> list[Notification]:
    with env.db.read() as s:
        q = select(Notification).join(User, User.id == Notification.user_id).where(User.username == username)
        if unread:
            q = q.where(Notification.read_at.is_(None))
        return list(s.scalars(q.order_by(Notification.id)))


def user_id(env, username: str) -> int:
    with env.db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def to_intake(sink) -> list:
    return [m for m in sink.messages if m["To"].addresses[0].addr_spec == "intake@greenloop.example"]


def choose(env, username: str, frequency: str) -> None:
    env.run(set_email_frequency, user_id(env, username), frequency)


# ---------------------------------------------------------------------------- who and how often


def test_a_groups_new_tasks_are_one_digest_per_person_and_stage(env):
    cases = [env.register(title=f"第{i}件") for i in range(3)]
    [receive] = rows_of(env, "intake")
    assert (receive.thread, receive.stage, receive.count, receive.kind) == ("queue:intake:task:receive", "receive", 3, "task")
    assert receive.title == "受理：新到任务 3 件" and receive.case_id is None
    assert cases[2].number in receive.body and cases[0].number not in receive.body
    assert receive.created_at == receive.last_at

    env.complete(cases[0], "receive", {"decision": "accept"})
    stages = [(r.stage, r.count) for r in rows_of(env, "intake")]
    assert stages == [("receive", 3), ("assign", 1)]
    # A digest of one names its case, as a single notification always did.
    assign = rows_of(env, "intake")[1]
    assert assign.case_id == cases[0].id and cases[0].number in assign.title


def test_reading_a_digest_starts_the_next_one_afresh(env):
    env.register()
    env.register()
    [first] = rows_of(env, "intake")
    with env.db.write() as s:
        s.get(Notification, first.id).read_at = env.clock.now()
    env.clock.advance(minutes=10)
    third = env.register(title="第三件")
    [fresh] = rows_of(env, "intake")
    assert fresh.id != first.id and fresh.count == 1 and fresh.case_id == third.id
    assert rows_of(env, "intake", unread=False)[0].count == 2  # the read one is left as it was


def test_a_message_for_the_person_holding_a_task_reaches_only_them(env):
    case = env.register()
    env.accept_and_assign(case, department="air")
    handle = env.task(case, "handle")
    handler = user_id(env, "handler")
    with env.db.write() as s:
        task = s.get(Task, handle.id)
        task.assignee_id = handler
        from engine.models import Case
        deliver(s, s.get(Case, case.id), [Message("task", "新任务：办理", "", Audience.of_task(task), stage="handle")],
                env.clock.now())
    # The grid officer works the same tasks but was not told; the handler's row is about the case.
    assert [(r.thread, r.count) for r in rows_of(env, "gridofficer")] == [("queue:handler:task:handle", 1)]
    mine = rows_of(env, "handler")
    assert [(r.thread, r.count) for r in mine] == [("queue:handler:task:handle", 1), (f"case:{case.id}:task", 1)]


def test_repeats_of_one_kind_about_one_case_are_one_row(env, sink_at):  # noqa: F811
    case = env.register()
    env.accept_and_assign(case, department="air")
    sink, url = sink_at()
    for comment in ("整改证据不足", "仍缺监测报告"):
        env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
        env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
        env.clock.advance(hours=1)
        env.complete(case, "review", {"approved": False, "comment": comment}, actor="lead")
        send_pending(env.runtime, url)
    [approval] = [r for r in rows_of(env, "handler") if r.kind == "approval"]
    assert approval.count == 2 and approval.thread == f"case:{case.id}:approval"
    assert "仍缺监测报告" in approval.body and approval.last_at == env.clock.now() > approval.created_at
    # Each repeat said something new about the case, so each was mailed, the second as a new message.
    to_handler = [m for m in sink.messages if m["To"].addresses[0].addr_spec == "handler@greenloop.example"
                  and "审核未通过" in m["Subject"]]
    assert len(to_handler) == 2 and to_handler[0]["Message-ID"] != to_handler[1]["Message-ID"]
    assert "同类通知共 2 条" in body_of(to_handler[1])


def test_a_digest_is_mailed_once(env, sink_at):  # noqa: F811
    sink, url = sink_at()
    env.register()
    assert send_pending(env.runtime, url) == 1
    env.register()
    env.register()
    assert send_pending(env.runtime, url) == 0 and len(sink.messages) == 1
    [row] = rows_of(env, "intake")
    assert row.count == 3 and row.emailed_at is not None


def test_frequency_never_and_daily_stop_immediate_mail(env, sink_at):  # noqa: F811
    sink, url = sink_at()
    with env.db.read() as s:
        assert email_frequency(s, user_id(env, "intake")) == "immediately"
    choose(env, "intake", "never")
    case = env.register()
    assert send_pending(env.runtime, url) == 0
    choose(env, "intake", "daily")
    env.complete(case, "receive", {"decision": "accept"})
    assert send_pending(env.runtime, url) == 0 and sink.messages == []
    choose(env, "intake", "immediately")
    assert send_pending(env.runtime, url) == 2


def test_an_unknown_frequency_is_refused(env):
    with pytest.raises(FormInvalid) as refused:
        choose(env, "intake", "hourly")
    assert "email_frequency" in refused.value.errors


def test_daily_digest_goes_at_the_local_hour_from_the_job_loop(env, sink_at):  # noqa: F811
    sink, url = sink_at()
    timers, jobs = TimerWorker(env.runtime), JobWorker(env.runtime, smtp_url=url, digest_hour=8)

    def worker_round():  # what the worker's two loops do by then (the warning fires in the timer loop)
        timers.tick()
        jobs.run_once()

    choose(env, "intake", "daily")  # 2026-03-02 10:00 in Shanghai
    first = env.register(title="第一件")
    env.complete(first, "receive", {"decision": "accept"})
    second = env.register(title="第二件")
    worker_round()
    assert sink.messages == []  # the first digest waits for the next 08:00

    env.clock.set(datetime(2026, 3, 3, 7, 59, tzinfo=SH))
    worker_round()
    assert sink.messages == []
    env.clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=SH))
    worker_round()
    [digest] = to_intake(sink)  # the leaders also get the daily report's notice at 08:00 (engine/reports)
    assert digest["To"].addresses[0].addr_spec == "intake@greenloop.example"
    # The 受理 digest of both cases, the first case's 交办 task and the warning that came at 07:59.
    assert "3 条未读" in digest["Subject"]
    text = body_of(digest)
    assert "受理：新到任务 2 件" in text and second.number in text and f"新任务：交办 · {first.number}" in text
    assert f"预警：{first.number}" in text
    assert all(r.emailed_at is not None for r in rows_of(env, "intake"))

    env.clock.set(datetime(2026, 3, 3, 18, 0, tzinfo=SH))
    third = env.register(title="第三件")  # joins the mailed 受理 digest, which is news again
    env.complete(third, "receive", {"decision": "accept"})  # and the 交办 digest
    worker_round()
    assert len(to_intake(sink)) == 1  # once a day
    env.clock.set(datetime(2026, 3, 4, 8, 30, tzinfo=SH))
    worker_round()  # also escalates the first case: the town supervisor is mailed at once
    assert len(to_intake(sink)) == 2
    text = body_of(to_intake(sink)[1])
    assert "受理：新到任务 3 件" in text and "交办：新到任务 2 件" in text and third.number in text
    assert "交办：预警 2 件" in text  # the third case's warning joined the first's
    # Read news is not mailed: nothing unread and unmailed is left, so the next day sends nothing.
    env.clock.set(datetime(2026, 3, 5, 8, 30, tzinfo=SH))
    assert send_daily_digests(env.runtime, url, 8) == 0


def test_read_notifications_are_left_out_of_the_digest(env, sink_at):  # noqa: F811
    sink, url = sink_at()
    choose(env, "intake", "daily")
    env.register()
    with env.db.write() as s:
        s.execute(update(Notification).values(read_at=env.clock.now()))
    env.clock.set(datetime(2026, 3, 3, 9, 0, tzinfo=SH))
    assert send_daily_digests(env.runtime, url, 8) == 0 and sink.messages == []


@pytest.mark.parametrize(("now", "moment"), [
    (datetime(2026, 3, 3, 8, 0, tzinfo=SH), datetime(2026, 3, 3, 8, 0, tzinfo=SH)),
    (datetime(2026, 3, 3, 7, 59, tzinfo=SH), datetime(2026, 3, 2, 8, 0, tzinfo=SH)),
    # 23:30 UTC is already the next morning in Shanghai.
    (datetime(2026, 3, 2, 23, 30, tzinfo=timezone.utc), datetime(2026, 3, 2, 8, 0, tzinfo=SH)),
    (datetime(2026, 3, 3, 0, 30, tzinfo=timezone.utc), datetime(2026, 3, 3, 8, 0, tzinfo=SH)),
])
def test_digest_moment_is_the_latest_local_digest_hour(now, moment):
    assert digest_moment(now, SH, 8) == moment


def test_digest_hour_setting():
    assert load_settings({}).mail_digest_hour == 8
    assert load_settings({"GREENLOOP_MAIL_DIGEST_HOUR": "18"}).mail_digest_hour == 18
    for bad in ("24", "-1", "8am"):
        with pytest.raises(ConfigError):
            load_settings({"GREENLOOP_MAIL_DIGEST_HOUR": bad})


def test_old_news_is_not_mailed_by_the_digest_either(env, sink_at):  # noqa: F811
    sink, url = sink_at()
    choose(env, "intake", "daily")
    env.register()
    env.clock.advance(days=4)
    assert send_daily_digests(env.runtime, url, 8) == 0 and sink.messages == []


def test_cases_closed_for_follow_up_are_one_digest(env):
    cases = [env.register(title=f"第{i}件") for i in range(2)]
    for case in cases:
        env.accept_and_assign(case)
        env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
        env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
        env.complete(case, "review", {"approved": True}, actor="lead")
    [follow_up] = [r for r in rows_of(env, "intake") if r.kind == "closed"]
    assert (follow_up.title, follow_up.stage, follow_up.count) == ("回访：办结待回访 2 件", "follow_up", 2)
    assert cases[1].number in follow_up.body
