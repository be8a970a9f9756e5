"""Text messages (engine/sms): queued inside the step, sent by the worker through the log sink or
a real HTTP gateway (a local server), retried with back-off, templates escaped."""
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from engine.bootstrap import BINDINGS, build_runtime
from engine.core.runtime import Bindings, Runtime
from engine.jobs.worker import JobWorker
from engine.models import User
from engine.models.sms import SmsMessage
from engine.sms import settings as sms_settings
from engine.sms.send import BACKOFF, MAX_ATTEMPTS, send_pending
from engine.sms.settings import SmsSettings
from engine.sms.template import build_request
from tests.engine.sms.http_sink import HttpSink

PUBLIC = "https://hb.example.gov.cn"


def configure(env, **values):
    values = {"kind": "log", "sign": "【某县生态环境局】", "public_url": PUBLIC, **values}
    env.run(sms_settings.save, SmsSettings(**values), actor="admin")


def outbox(env):
    with env.db.read() as s:
        return list(s.scalars(select(SmsMessage).order_by(SmsMessage.id)))


def test_acceptance_is_queued_in_the_step_and_sent_by_the_worker_tick(env):
    configure(env)
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    [msg] = outbox(env)
    code = env.case(case).tracking_code
    assert (msg.kind, msg.phone, msg.status, msg.case_id) == ("acceptance", "13800000000", "pending", case.id)
    assert code in msg.text and "【" not in msg.text  # the gateway template adds the signature
    assert f"{PUBLIC}/public/track/{code}" in msg.text
    JobWorker(env.runtime, smtp_url="").run_once()  # the job loop sends it (log sink)
    [msg] = outbox(env)
    assert (msg.status, msg.gateway, msg.attempts, msg.sent_at) == ("sent", "log", 1, env.clock.now())


def test_reply_approved_sends_the_rating_link(env):
    configure(env)
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})
    kinds = [m.kind for m in outbox(env)]
    assert kinds == ["acceptance", "reply"]
    assert "评价" in outbox(env)[1].text and env.case(case).tracking_code in outbox(env)[1].text


def test_anonymous_complainant_without_a_phone_gets_no_text(env):
    configure(env)
    case = env.register(complainant_anonymous=True, complainant_name=None)
    env.complete(case, "receive", {"decision": "accept"})
    assert env.case(case).complainant_phone is None and outbox(env) == []


def test_nothing_is_queued_while_sms_is_off(env):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    assert outbox(env) == []


def test_staff_with_a_phone_get_escalations_once(env):
    configure(env)
    with env.db.write() as s:
        s.execute(update(User).where(User.username == "supervisor").values(phone="13900000001"))
    case = env.register()
    env.accept_and_assign(case)
    env.at("2026-03-03T16:00:01+00:00")  # not signed for: escalated
    staff = [m for m in outbox(env) if m.kind == "escalation"]
    assert staff and {m.phone for m in staff} == {"13900000001"} and all(m.notification_id for m in staff)
    assert "督办" in staff[0].text
    env.at("2026-03-03T16:00:02+00:00")  # another step at the same moment texts nobody twice
    assert len([m for m in outbox(env) if m.kind == "escalation"]) == len(staff)


def test_http_gateway_gets_a_json_body_with_the_text_escaped(env):
    with HttpSink() as sink:
        configure(env, kind="http", url=sink.url + "/sms/send?key={secret}", secret="k&y=1 2",
                  headers="Content-Type: application/json\nX-Key: {secret}",
                  body='{"mobile": "{phone}", "content": "{sign}{text}", "extra": {"a": 1}}')
        case = env.register(title='他说"快来"\n看看')
        env.complete(case, "receive", {"decision": "accept"})
        assert sink.requests == []  # nothing is sent inside the step
        assert send_pending(env.runtime) == 1
        [req] = sink.requests
    assert req.method == "POST"
    assert parse_qs(urlsplit(req.path).query) == {"key": ["k&y=1 2"]}
    body = json.loads(req.body.decode("utf-8"))
    assert body["mobile"] == "13800000000" and body["extra"] == {"a": 1}
    assert body["content"] == "【某县生态环境局】" + outbox(env)[0].text
    assert req.headers["X-Key"] == "k&y=1 2"


def test_form_body_is_url_encoded_and_quotes_cannot_break_json(env):
    s = SmsSettings(kind="http", url="http://gw.example/send", method="POST", sign="【局】",
                    headers="Content-Type: application/x-www-form-urlencoded", body="to={phone}&msg={text}")
    req = build_request(s, "138 0000&x=1", "a&b=c 办结")
    assert parse_qs(req.body.decode()) == {"to": ["138 0000&x=1"], "msg": ["a&b=c 办结"]}
    j = SmsSettings(kind="http", url="http://gw.example/send", headers="Content-Type: application/json",
                    body='{"msg": "{text}"}')
    hostile = '", "phone": "110", "x": "\\\n'
    assert json.loads(build_request(j, "1", hostile).body) == {"msg": hostile}
    with pytest.raises(ValueError):
        build_request(SmsSettings(kind="http", url="http://gw.example/", headers="X-Text: {text}"), "1", "a\r\nX: y")
    with pytest.raises(ValueError):
        build_request(SmsSettings(kind="http", url="http://gw.example/", headers="X-Text: {text}"), "1", "办结")


def test_gateway_error_is_retried_with_back_off_then_given_up(env):
    with HttpSink() as sink:
        configure(env, kind="http", url=sink.url + "/send", headers="Content-Type: application/json",
                  body='{"to": "{phone}", "text": "{text}"}')
        case = env.register()
        env.complete(case, "receive", {"decision": "accept"})
        sink.statuses = [500]
        assert send_pending(env.runtime) == 0
        [msg] = outbox(env)
        assert (msg.status, msg.attempts, msg.last_error) == ("pending", 1, "HTTP 500")
        assert msg.next_attempt_at == env.clock.now() + BACKOFF[0]
        assert send_pending(env.runtime) == 0 and len(sink.requests) == 1  # not yet due
        env.clock.set(env.clock.now() + BACKOFF[0])
        assert send_pending(env.runtime) == 1 and len(sink.requests) == 2
        assert outbox(env)[0].status == "sent"

        env.complete(case, "assign", {"action": "assign", "department": "air"})
        sink.statuses = [503] * MAX_ATTEMPTS
        env.run(lambda s, r: s.add(SmsMessage(kind="warning", phone="13900000002", text="x", status="pending",
                                                attempts=0, created_at=env.clock.now(),
                                                next_attempt_at=env.clock.now())))
        for pause in BACKOFF + (timedelta(0),):
            send_pending(env.runtime)
            env.clock.set(env.clock.now() + pause)
        last = outbox(env)[-1]
        assert (last.status, last.attempts, last.last_error) == ("failed", MAX_ATTEMPTS, "HTTP 503")


def test_unreachable_gateway_does_not_stop_the_worker(env):
    configure(env, kind="http", url="http://127.0.0.1:9/send", body="{phone} {text}")
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    JobWorker(env.runtime, smtp_url="").run_once()
    [msg] = outbox(env)
    assert msg.status == "pending" and msg.last_error.startswith("unreachable")


def test_a_failing_step_leaves_no_message(env):
    configure(env)

    def boom(outcome):
        raise RuntimeError("a later hook fails")

    failing = Runtime(env.db, env.clock, "Asia/Shanghai",
                      Bindings(functions=BINDINGS.functions, calendar=BINDINGS.calendar,
                               after_step=(*BINDINGS.after_step, boom)))
    case = env.register()
    from engine.core.runtime import in_transaction
    from engine.work.tasks import complete_task
    with pytest.raises(RuntimeError):
        in_transaction(failing, complete_task, env.task(case, "receive").id, {"decision": "accept"}, "tester")
    assert outbox(env) == [] and env.case(case).status == "received"
    assert build_runtime  # the ordinary runtime is the one the other tests use
