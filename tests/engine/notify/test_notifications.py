"""Notification rules (one place: engine/notify/rules.from_step), fan-out per person, and e-mail over a
real SMTP server (aiosmtpd on 127.0.0.1)."""
from __future__ import annotations

import email
import email.policy
import socket
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine.jobs.worker import JobWorker
from engine.models import Notification, User
from engine.notify.mail import parse_smtp_url, send_pending


def notes(env, case=None, kind=None) -> list[tuple[str, str]]:
    """(username, kind) of every notification, oldest first."""
    with env.db.read() as s:
        q = select(User.username, Notification.kind).join(User, User.id == Notification.user_id) \
            .order_by(Notification.id)
        if case is not None:
            q = q.where(Notification.case_id == case.id)
        if kind is not None:
            q = q.where(Notification.kind == kind)
        return [tuple(r) for r in s.execute(q)]


def who(env, case, kind) -> set[str]:
    return {user for user, _ in notes(env, case, kind)}


def clear(env) -> None:
    from sqlalchemy import delete

    with env.db.write() as s:
        s.execute(delete(Notification))


# ---------------------------------------------------------------------------- rules


def test_new_tasks_notify_the_people_who_could_work_them_one_row_each(env):
    case = env.register()
    assert notes(env, case) == [("intake", "task")]
    env.complete(case, "receive", {"decision": "accept"})
    assert notes(env, case) == [("intake", "task"), ("intake", "task")]
    clear(env)
    env.complete(case, "assign", {"action": "assign", "department": "air"})
    # The air section's handler, and the grid officer posted to the case's town (access.task_scope):
    # not the enforcement brigade's county handler, not leads, not supervisors.
    assert who(env, case, "task") == {"handler", "gridofficer"}
    with env.db.read() as s:
        rows = list(s.scalars(select(Notification).where(Notification.case_id == case.id)))
    assert all(r.user_id is not None and r.group == "handler" and r.read_at is None for r in rows)
    assert all(case.number in r.title and r.emailed_at is None for r in rows)


def test_return_tells_intake_once_not_also_as_a_new_task(env):
    case = env.register()
    env.accept_and_assign(case)
    clear(env)
    env.complete(case, "handle", {"outcome": "return", "return_reason": "不在本科室职责范围"})
    assert notes(env, case) == [("intake", "returned")]
    with env.db.read() as s:
        note = s.scalars(select(Notification)).one()
    assert note.title.startswith("退单") and "不在本科室职责范围" in note.body and "大气环境科" in note.body


def test_approval_decisions_reach_the_handlers_of_the_case_department(env):
    case = env.register()
    env.accept_and_assign(case, department="air")
    env.complete(case, "handle", {"outcome": "extension", "extension_days": 10, "extension_reason": "等待检测报告"})
    assert who(env, case, "task") >= {"lead"}
    clear(env)
    env.complete(case, "approve_extension", {"approved": False, "comment": "理由不充分"}, actor="lead")
    assert who(env, case, "approval") == {"handler", "gridofficer"}
    assert notes(env, case, "task") == []  # the handle task again: the decision says it all

    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    clear(env)
    env.complete(case, "review", {"approved": False, "comment": "整改证据不足"}, actor="lead")
    assert who(env, case, "approval") == {"handler", "gridofficer"}
    with env.db.read() as s:
        titles = set(s.scalars(select(Notification.title)))
        bodies = set(s.scalars(select(Notification.body)))
    assert all("审核未通过" in t for t in titles) and any("整改证据不足" in b for b in bodies)


def test_granted_extension_says_so_with_the_new_deadline(env):
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "extension", "extension_days": 20, "extension_reason": "等待检测报告"})
    clear(env)
    env.complete(case, "approve_extension", {"approved": True}, actor="lead")
    with env.db.read() as s:
        rows = list(s.scalars(select(Notification)))
    assert {r.kind for r in rows} == {"approval"}
    assert all("延期已批准" in r.title and "2026-06-26 24:00" in r.body for r in rows)


def test_closing_asks_intake_for_the_follow_up(env):
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    clear(env)
    env.complete(case, "review", {"approved": True}, actor="lead")
    assert notes(env, case) == [("intake", "closed")]


def test_warning_goes_to_whoever_holds_the_stage_task(env):
    case = env.register()
    env.accept_and_assign(case)  # handle: 60 working days, warning with 12 left
    env.sign_for(case)  # the handler claims it: 签收, so the sign-for limit does not escalate
    clear(env)
    env.at((env.case(case).stage_warn + timedelta(seconds=1)).isoformat())
    assert env.case(case).colour == "yellow"
    assert notes(env, case) == [("handler", "warning")]  # the assignee, not the whole group


def test_escalation_is_fanned_out_not_duplicated(env):
    env.clock.set(datetime(2026, 9, 30, 2, 0, tzinfo=timezone.utc))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    clear(env)
    env.at("2026-09-30T16:00:01+00:00")  # warning on the assignment stage
    assert notes(env, case) == [("intake", "warning")]
    env.at("2026-10-08T16:00:01+00:00")  # overdue: tier 2 (town) supervises
    env.at("2026-10-13T16:00:01+00:00")  # tier 3
    env.at("2026-10-19T16:00:01+00:00")  # tier 4
    assert notes(env, case, "escalation") == [("town", "escalation"), ("supervisor", "escalation"),
                                              ("leader", "escalation")]
    # No group rows are left behind, and the supervision tasks did not notify a second time.
    with env.db.read() as s:
        assert s.scalar(select(Notification.id).where(Notification.user_id.is_(None))) is None
    assert notes(env, case, "task") == []


def test_a_step_with_nobody_in_scope_stores_nothing(env):
    case = env.register(grid_code=None, address="县城某处")
    with env.db.write() as s:
        s.scalars(select(User).where(User.username == "intake")).one().active = False
    clear(env)
    env.complete(case, "receive", {"decision": "accept"})
    assert notes(env, case) == []


# ---------------------------------------------------------------------------- e-mail


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """Collects what arrives; answers 451 to the first ``fail`` DATA commands."""

    def __init__(self, fail: int = 0):
        self.fail = fail
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        if self.fail:
            self.fail -= 1
            return "451 4.3.0 try again later"
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def sink_at():
    running = []

    def start(port: int | None = None, fail: int = 0) -> tuple[Sink, str]:
        handler = Sink(fail)
        port = port or free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        running.append(controller)
        return handler, f"smtp://127.0.0.1:{port}"

    yield start
    for controller in running:
        controller.stop()


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_pending_notifications_are_mailed_once_to_the_right_person(env, sink_at):
    case = env.register()
    env.accept_and_assign(case)
    sink, url = sink_at()
    expected = len(notes(env))  # intake ×2, handler and grid officer
    assert send_pending(env.runtime, url) == expected == 4
    to = sorted(m["To"].addresses[0].addr_spec for m in sink.messages)
    assert to == ["gridofficer@greenloop.example", "handler@greenloop.example",
                  "intake@greenloop.example", "intake@greenloop.example"]
    handler_mail = next(m for m in sink.messages if m["To"].addresses[0].addr_spec == "handler@greenloop.example")
    assert handler_mail["To"].addresses[0].display_name == "大气科 李强"
    assert "新任务" in handler_mail["Subject"] and case.number in handler_mail["Subject"]
    assert case.number in body_of(handler_mail) and "工厂夜间排放异味" in body_of(handler_mail)
    assert sink.envelopes[0].rcpt_tos[0].endswith("@greenloop.example")
    with env.db.read() as s:
        assert all(n.emailed_at == env.clock.now() for n in s.scalars(select(Notification)))
    # Sent ones are never sent again.
    assert send_pending(env.runtime, url) == 0 and len(sink.messages) == 4


def test_people_without_e_mail_and_old_news_are_not_mailed(env, sink_at):
    case = env.register()
    with env.db.write() as s:
        s.scalars(select(User).where(User.username == "intake")).one().email = None
    sink, url = sink_at()
    assert send_pending(env.runtime, url) == 0
    with env.db.write() as s:
        s.scalars(select(User).where(User.username == "intake")).one().email = "intake@greenloop.example"
    env.clock.advance(days=4)
    assert send_pending(env.runtime, url) == 0  # older than three days: the bell has it
    env.clock.advance(days=-4)
    assert send_pending(env.runtime, url) == 1 and case.number in sink.messages[0]["Subject"]


def test_unreachable_server_leaves_mail_unsent_and_the_next_round_sends_it(env, sink_at):
    case = env.register()
    port = free_port()
    assert send_pending(env.runtime, f"smtp://127.0.0.1:{port}") == 0  # nothing listening
    with env.db.read() as s:
        assert s.scalars(select(Notification)).one().emailed_at is None
    sink, url = sink_at(port)
    assert send_pending(env.runtime, url) == 1
    assert case.number in body_of(sink.messages[0])


def test_refused_message_is_retried_and_others_still_go(env, sink_at):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})  # two notifications for intake
    sink, url = sink_at(fail=1)
    assert send_pending(env.runtime, url) == 1
    with env.db.read() as s:
        unsent = [n.id for n in s.scalars(select(Notification).where(Notification.emailed_at.is_(None)))]
    assert len(unsent) == 1 and len(sink.messages) == 1
    assert send_pending(env.runtime, url) == 1
    with env.db.read() as s:
        assert s.scalar(select(Notification.emailed_at).where(Notification.id == unsent[0])) is not None
    assert len(sink.messages) == 2


def test_the_job_loop_mails_when_a_server_is_configured(env, sink_at):
    env.register()
    sink, url = sink_at()
    JobWorker(env.runtime).run_once()
    assert sink.messages == []  # no GREENLOOP_SMTP_URL in the test environment
    JobWorker(env.runtime, smtp_url=url).run_once()
    assert len(sink.messages) == 1 and sink.messages[0]["Subject"].startswith("【greenloop】新任务")


def test_smtp_urls():
    plain = parse_smtp_url("smtp://127.0.0.1:1025")
    assert (plain.host, plain.port, plain.starttls, plain.tls, plain.username) == ("127.0.0.1", 1025, False, False, None)
    secure = parse_smtp_url("smtp+starttls://mailer%40bureau:p%40ss@mail.example.gov.cn?from=noreply@example.gov.cn")
    assert (secure.host, secure.port, secure.starttls, secure.username, secure.password, secure.sender) == (
        "mail.example.gov.cn", 587, True, "mailer@bureau", "p@ss", "noreply@example.gov.cn")
    assert parse_smtp_url("smtps://mail.example.gov.cn").port == 465
    with pytest.raises(ValueError):
        parse_smtp_url("http://mail.example.gov.cn")
