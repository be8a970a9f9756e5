"""The SMS settings page (webapp/admin/sms.py): administrators only, CSRF, audited, the secret never
shown back, field errors, and the outbox with masked phones."""
from sqlalchemy import select

from engine.models import AuditEvent
from engine.models.sms import SmsMessage
from engine.sms import settings as sms_settings

HTTP = {"kind": "http", "sign": "【某县生态环境局】", "public_url": "https://hb.example.gov.cn",
        "url": "https://sms.example.com/send?key={secret}", "method": "POST",
        "headers": "Content-Type: application/json", "body": '{"to": "{phone}", "text": "{sign}{text}"}',
        "secret": "TOP-SECRET-KEY-123"}


def stored(env):
    with env.db.read() as s:
        return sms_settings.load(s)


def test_only_administrators_see_or_change_the_sms_settings(env, as_user):
    for who in ("intake", "handler", "lead", "supervisor"):
        browser = as_user(who)
        assert browser.get("/admin/sms").status_code == 403
        assert browser.post("/admin/sms", HTTP, page_url="/inbox").status_code == 403
    assert stored(env).kind == "off"
    assert "短信设置" in as_user("admin").get("/admin").get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(env, as_user):
    answer = as_user("admin").client.post("/admin/sms", data=HTTP)
    assert answer.status_code == 400 and "CSRF" in answer.get_data(as_text=True)
    assert stored(env).kind == "off"


def test_saving_is_audited_and_the_secret_is_never_echoed(env, as_user):
    admin = as_user("admin")
    answer = admin.post("/admin/sms", HTTP)
    assert answer.status_code == 302
    assert stored(env).secret == "TOP-SECRET-KEY-123" and stored(env).kind == "http"
    page = admin.get("/admin/sms").get_data(as_text=True)
    assert "TOP-SECRET-KEY-123" not in page and "已设置密钥" in page
    assert "https://sms.example.com/send?key={secret}" in page  # the template itself is shown
    # An empty secret field keeps the stored secret.
    admin.post("/admin/sms", {**HTTP, "secret": "", "sign": "【新签名】"})
    assert (stored(env).secret, stored(env).sign) == ("TOP-SECRET-KEY-123", "【新签名】")
    with env.db.read() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.kind == "setting_changed").order_by(AuditEvent.id)))
    details = [e.detail for e in events if e.detail["setting"] == "sms"]
    assert len(details) == 2 and all(e.actor == "admin" for e in events)
    assert details[0]["changed"]["secret"] == ["", "********"]
    assert "TOP-SECRET-KEY-123" not in str(details)
    assert details[1]["changed"] == {"sign": ["【某县生态环境局】", "【新签名】"]}


def test_field_errors_are_shown_and_nothing_is_saved(env, as_user):
    admin = as_user("admin")
    answer = admin.post("/admin/sms", {**HTTP, "url": "file:///etc/passwd", "body": "{phone}", "headers": "broken"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "短信网关地址须以 http:// 或 https:// 开头" in page and "模板须包含 {text}" in page
    assert "每行一个" in page and "TOP-SECRET-KEY-123" not in page
    assert stored(env).kind == "off"


def test_the_outbox_shows_masked_phones(env, as_user):
    admin = as_user("admin")
    admin.post("/admin/sms", {**HTTP, "kind": "log"})
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    with env.db.read() as s:
        assert s.scalar(select(SmsMessage.phone)) == "13800000000"
    page = admin.get("/admin/sms").get_data(as_text=True)
    assert "13800000000" not in page and "138" in page and "受理告知" in page and "待发送" in page
