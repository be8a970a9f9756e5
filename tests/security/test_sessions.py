"""Sessions end on the server: a copied cookie stops working at sign-out, a password reset,
deactivation, the administrator's "sign out everywhere", after the idle limit and after the
absolute lifetime, all on the server's clock. The session cookie is Secure over HTTPS, behind a
trusted reverse proxy too."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.models import AuditEvent, User
from engine.models.auth import LoginSession
from tests.web.conftest import csrf_of
from webapp import create_app


def user_id(env, username: str) -> int:
    with env.db.read() as s:
        return s.scalars(select(User.id).where(User.username == username)).one()


def stolen(app, browser) -> object:
    """Another client holding a copy of ``browser``'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", browser.client.get_cookie("session").value)
    return thief


def signed_in(client) -> bool:
    response = client.get("/overview")
    if response.status_code == 302:
        assert "/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def sessions_of(env, username: str) -> list[LoginSession]:
    with env.db.read() as s:
        return list(s.scalars(select(LoginSession).where(LoginSession.user_id == user_id(env, username))
                              .order_by(LoginSession.id)))


def test_a_copied_cookie_is_refused_after_sign_out(app, as_user):
    person = as_user("intake")
    thief = stolen(app, person)
    assert signed_in(thief)  # the copy works while the session lasts …
    assert person.post("/logout", page_url="/").status_code == 302
    assert not signed_in(thief)  # … and not a moment after sign-out
    assert not signed_in(person.client)


def test_sign_out_ends_only_that_session(app, as_user, env):
    desk, phone = as_user("intake"), as_user("intake")
    desk.post("/logout", page_url="/")
    assert signed_in(phone.client)
    assert [s.end_reason for s in sessions_of(env, "intake")] == ["signed_out", None]


def test_a_cookie_that_names_a_user_instead_of_a_session_signs_nobody_in(app, as_user, env):
    """The old cookie carried the user id itself: valid until it expired, whatever happened."""
    person = as_user("intake")
    with app.test_request_context():
        from flask import session

        session["_user_id"] = str(user_id(env, "admin"))
        session["_fresh"] = True
        forged = app.session_interface.get_signing_serializer(app).dumps(dict(session))
    person.client.set_cookie("session", forged)
    assert person.get("/admin/people").status_code == 302


def test_a_password_reset_ends_every_session_of_that_person(app, as_user, env):
    desk, phone = as_user("intake"), as_user("intake")
    thief = stolen(app, desk)
    admin = as_user("admin")
    uid = user_id(env, "intake")
    admin.post(f"/admin/people/{uid}/password", {"password": "a-brand-new-password"}, page_url=f"/admin/people/{uid}")
    assert not signed_in(desk.client) and not signed_in(phone.client) and not signed_in(thief)
    assert {s.end_reason for s in sessions_of(env, "intake")} == {"password_reset"}
    assert desk.login("intake", "a-brand-new-password").status_code == 302
    assert signed_in(desk.client)


def test_administrators_resetting_their_own_password_stay_signed_in_here_only(app, as_user, env):
    here, elsewhere = as_user("admin"), as_user("admin")
    uid = user_id(env, "admin")
    here.post(f"/admin/people/{uid}/password", {"password": "a-brand-new-password"}, page_url=f"/admin/people/{uid}")
    assert signed_in(here.client)
    assert not signed_in(elsewhere.client)


def test_deactivation_ends_every_session_and_reactivation_revives_none(app, as_user, env):
    person = as_user("handler")
    thief = stolen(app, person)
    admin = as_user("admin")
    uid = user_id(env, "handler")
    admin.post(f"/admin/people/{uid}/active", {"active": "0"}, page_url=f"/admin/people/{uid}")
    assert {s.end_reason for s in sessions_of(env, "handler")} == {"deactivated"}
    admin.post(f"/admin/people/{uid}/active", {"active": "1"}, page_url=f"/admin/people/{uid}")
    assert not signed_in(person.client) and not signed_in(thief)


def test_the_administrator_signs_a_person_out_everywhere_and_it_is_audited(app, as_user, env):
    desk, phone = as_user("intake"), as_user("intake")
    thief = stolen(app, phone)
    admin = as_user("admin")
    uid = user_id(env, "intake")
    page = admin.get(f"/admin/people/{uid}").get_data(as_text=True)
    assert "登录会话" in page and page.count("127.0.0.1") == 2  # both sessions listed
    answer = admin.post(f"/admin/people/{uid}/sessions/end", page_url=f"/admin/people/{uid}", follow_redirects=True)
    assert "已结束该账号的 2 个登录会话" in answer.get_data(as_text=True)
    assert not signed_in(desk.client) and not signed_in(phone.client) and not signed_in(thief)
    assert signed_in(admin.client)
    with env.db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "sessions_ended")).one()
    assert (event.actor, event.detail) == ("admin", {"username": "intake", "sessions_ended": 2})
    assert "该账号当前没有登录会话" in admin.get(f"/admin/people/{uid}").get_data(as_text=True)


def test_only_administrators_may_sign_others_out(app, as_user, env):
    victim = as_user("intake")
    uid = user_id(env, "intake")
    supervisor = as_user("supervisor")
    answer = supervisor.client.post(f"/admin/people/{uid}/sessions/end",
                                    data={"csrf_token": supervisor.any_token()})
    assert answer.status_code == 403
    assert signed_in(victim.client)


def test_the_idle_limit_is_enforced_on_the_server(app, as_user, env):
    person = as_user("intake")
    thief = stolen(app, person)
    env.clock.advance(minutes=29)
    assert signed_in(person.client)  # activity moves the limit on …
    env.clock.advance(minutes=29)
    assert signed_in(person.client)
    env.clock.advance(minutes=31)  # … and half an hour without any ends the session
    assert not signed_in(thief)
    assert not signed_in(person.client)
    assert [s.end_reason for s in sessions_of(env, "intake")] == ["idle"]


def test_the_absolute_lifetime_ends_even_an_active_session(app, as_user, env):
    person = as_user("intake")
    for _ in range(12 * 60 // 20 - 1):
        env.clock.advance(minutes=20)
        assert signed_in(person.client)
    env.clock.advance(minutes=20)
    assert not signed_in(person.client)
    assert [s.end_reason for s in sessions_of(env, "intake")] == ["expired"]


def test_last_activity_is_written_at_most_once_a_minute(app, as_user, env):
    person = as_user("intake")
    signed_in_at = sessions_of(env, "intake")[0].last_seen_at
    env.clock.advance(seconds=59)
    assert signed_in(person.client) and signed_in(person.client)
    assert sessions_of(env, "intake")[0].last_seen_at == signed_in_at
    env.clock.advance(seconds=1)
    assert signed_in(person.client)
    assert sessions_of(env, "intake")[0].last_seen_at == signed_in_at + timedelta(minutes=1)


def test_signing_in_again_starts_a_new_session(app, as_user, env):
    person = as_user("intake")
    before = person.client.get_cookie("session").value
    person.login("intake")
    assert len(sessions_of(env, "intake")) == 2
    thief = app.test_client()
    thief.set_cookie("session", before)
    assert signed_in(thief)  # a sign-in elsewhere does not end the first …
    person.post("/logout", page_url="/")
    assert signed_in(thief)  # … and signing out ends only the session signed out


# ---------------------------------------------------------------------------- the Secure flag


def session_cookie_header(response) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert found, "no session cookie set"
    return found[0]


def sign_in_response(app, base_url: str = "http://localhost", headers: dict | None = None):
    client = app.test_client()
    page = client.get("/login", base_url=base_url, headers=headers).get_data(as_text=True)
    # Over HTTPS, Flask-WTF also wants the Referer to be this site.
    return client.post("/login", data={"username": "intake", "password": "test-password-1",
                                       "csrf_token": csrf_of(page)}, base_url=base_url,
                       headers={**(headers or {}), "Referer": base_url.replace("http:", "https:") + "/login"})


def test_the_session_cookie_is_secure_over_https_only(app):
    over_https = sign_in_response(app, base_url="https://greenloop.example")
    assert over_https.status_code == 302
    assert "Secure" in session_cookie_header(over_https)
    assert all("Secure" in h for h in over_https.headers.getlist("Set-Cookie"))
    over_http = sign_in_response(app, base_url="http://greenloop.example")
    assert "Secure" not in session_cookie_header(over_http)


def test_behind_a_trusted_proxy_its_https_counts(env, tmp_path, translations, monkeypatch):
    from engine.core.config import load_settings

    def app_with(proxies: str):
        monkeypatch.setenv("GREENLOOP_TRUSTED_PROXIES", proxies)
        return create_app(load_settings(), runtime=env.runtime, TESTING=True, LOGIN_RATE_LIMIT="1000 per minute",
                          BABEL_TRANSLATION_DIRECTORIES=str(translations))

    forwarded = {"headers": {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}}
    behind = sign_in_response(app_with("1"), **forwarded)
    assert behind.status_code == 302
    assert "Secure" in session_cookie_header(behind)
    with env.db.read() as s:
        assert s.scalars(select(LoginSession.address).order_by(LoginSession.id.desc())).first() == "203.0.113.7"
    # Nobody declared a proxy: the headers are anyone's to send and are ignored.
    direct = sign_in_response(app_with("0"), **forwarded)
    assert direct.status_code == 302
    assert "Secure" not in session_cookie_header(direct)
    with env.db.read() as s:
        assert s.scalars(select(LoginSession.address).order_by(LoginSession.id.desc())).first() == "127.0.0.1"


def test_the_session_is_looked_up_before_the_view_writes(app, as_user, env):
    """A view that first asks who is signed in inside its write transaction must not wait on the
    session's own bookkeeping (on SQLite both take the write lock)."""
    from flask_login import current_user

    from webapp.runtime import transaction

    @app.post("/test-only/write-then-ask")
    def write_then_ask():
        with transaction() as s:
            s.execute(select(1))  # the transaction has begun (on SQLite: holds the write lock)
            return str(current_user.id)

    app.config["WTF_CSRF_ENABLED"] = False
    person = as_user("intake")
    env.clock.advance(minutes=5)  # the last activity is due to be written
    answer = person.client.post("/test-only/write-then-ask")
    assert answer.status_code == 200 and answer.get_data(as_text=True) == str(user_id(env, "intake"))
