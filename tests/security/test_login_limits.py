"""Sign-in attempts are limited per account as well as per address: failures on a name back off
exponentially (capped at a few minutes) wherever they come from, counted in the database so
every web process shares the count; nobody can lock a person out indefinitely, and an unknown
name is answered exactly like a known one."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.models import User
from engine.org import login_throttle
from tests.conftest import TEST_PASSWORD
from tests.web.conftest import csrf_of
from webapp import create_app


class Person:
    """One browser at one address."""

    def __init__(self, app, address: str = "10.0.0.1"):
        self.client = app.test_client()
        self.address = address

    def sign_in(self, username: str, password: str):
        environ = {"REMOTE_ADDR": self.address}
        token = csrf_of(self.client.get("/login", environ_base=environ).get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                                environ_base=environ)


def fail(person: Person, times: int, username: str = "intake") -> list[int]:
    return [person.sign_in(username, "wrong-password").status_code for _ in range(times)]


def test_failures_on_an_account_back_off_whatever_the_address(app, env):
    attacker = Person(app, "203.0.113.1")
    assert fail(attacker, 5) == [401] * 5
    # Blocked now, from any address, even with the right password — nothing is even checked.
    elsewhere = Person(app, "198.51.100.9")
    answer = elsewhere.sign_in("intake", TEST_PASSWORD)
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "15"
    assert "登录失败次数过多，请 15 秒后再试" in answer.get_data(as_text=True)
    assert Person(app, "10.1.1.1").sign_in("intake", TEST_PASSWORD).status_code == 429
    # Other accounts at the same addresses are not affected.
    assert Person(app, "203.0.113.1").sign_in("handler", TEST_PASSWORD).status_code == 302
    env.clock.advance(seconds=15)
    assert elsewhere.sign_in("intake", TEST_PASSWORD).status_code == 302


def test_blocks_double_from_fifteen_seconds_up_to_five_minutes(app, env):
    attacker = Person(app)
    seen = []
    for _ in range(11):
        assert attacker.sign_in("intake", "wrong-password").status_code == 401
        with env.db.read() as s:
            wait = login_throttle.blocked(s, login_throttle.account_key("intake"), env.clock.now())
        seen.append(int(wait.total_seconds()) if wait else None)
        env.clock.advance(wait or timedelta(0))
    assert seen == [None, None, None, None, 15, 30, 60, 120, 240, 300, 300]


def test_hammering_a_blocked_name_does_not_lengthen_the_block(app, env):
    attacker = Person(app)
    fail(attacker, 12)  # the block is at its cap
    for _ in range(60):  # an attempt every five seconds for five minutes, all refused unchecked
        answer = attacker.sign_in("intake", "wrong-password")
        if answer.status_code == 401:  # the block ran out: that attempt counted and blocks again
            break
        assert answer.status_code == 429 and int(answer.headers["Retry-After"]) <= 300
        env.clock.advance(seconds=5)
    env.clock.advance(minutes=5)
    assert Person(app, "10.9.9.9").sign_in("intake", TEST_PASSWORD).status_code == 302


def test_the_owner_at_their_usual_browser_is_not_locked_out_by_an_attack(app, env):
    owner = Person(app, "10.0.0.5")
    assert owner.sign_in("intake", TEST_PASSWORD).status_code == 302
    owner.client.delete_cookie("session")
    attacker = Person(app, "203.0.113.1")
    fail(attacker, 20)
    assert attacker.sign_in("intake", TEST_PASSWORD).status_code == 429
    # The browser that signed in before counts apart from everyone else.
    assert owner.sign_in("intake", TEST_PASSWORD).status_code == 302
    # Its own mistakes back off too, on its own count only.
    owner.client.delete_cookie("session")
    assert fail(owner, 5) == [401] * 5
    assert owner.sign_in("intake", TEST_PASSWORD).status_code == 429


def test_a_forged_known_browser_cookie_counts_as_no_browser(app, env):
    fail(Person(app), 5)
    visitor = Person(app)
    visitor.client.set_cookie("greenloop_known_browser", "eyJ4IjoieSJ9.forged.signature", path="/login")
    assert visitor.sign_in("intake", TEST_PASSWORD).status_code == 429


def answers(app, username: str) -> list[tuple]:
    person = Person(app, "198.51.100.1")
    found = []
    for _ in range(7):
        answer = person.sign_in(username, "wrong-password")
        text = answer.get_data(as_text=True)
        found.append((answer.status_code, answer.headers.get("Retry-After"), "用户名或密码不正确" in text,
                      "登录失败次数过多" in text))
    return found


def test_an_unknown_name_is_answered_exactly_like_a_known_one(app, env, monkeypatch):
    import webapp.auth

    checked = []
    verify = webapp.auth.verify_password
    monkeypatch.setattr(webapp.auth, "verify_password", lambda digest, pw: checked.append(digest) or verify(digest, pw))
    known = answers(app, "intake")
    known_checks = len(checked)
    unknown = answers(app, "nobody-by-this-name")
    assert known == unknown
    assert known == [(401, None, True, False)] * 5 + [(429, "15", False, True)] * 2
    # The password is checked (against a stand-in hash for the unknown name) the same number of times.
    assert known_checks == len(checked) - known_checks == 5


def test_a_success_starts_the_count_again(app, env):
    person = Person(app)
    assert fail(person, 4) == [401] * 4
    assert person.sign_in("intake", TEST_PASSWORD).status_code == 302
    other = Person(app, "10.0.0.2")
    assert fail(other, 4) == [401] * 4
    assert other.sign_in("intake", TEST_PASSWORD).status_code == 302


def test_a_count_left_alone_for_an_hour_is_forgotten(app, env):
    assert fail(Person(app), 4) == [401] * 4
    env.clock.advance(minutes=61)
    assert fail(Person(app), 4) == [401] * 4
    assert Person(app).sign_in("intake", TEST_PASSWORD).status_code == 302


def test_every_web_process_sees_the_same_count(app, env, translations):
    other_process = create_app(runtime=env.runtime, TESTING=True, LOGIN_RATE_LIMIT="1000 per minute",
                               BABEL_TRANSLATION_DIRECTORIES=str(translations))
    assert fail(Person(app), 2) + fail(Person(other_process), 2) + fail(Person(app), 1) == [401] * 5
    assert Person(other_process).sign_in("intake", TEST_PASSWORD).status_code == 429
    assert Person(app).sign_in("intake", TEST_PASSWORD).status_code == 429


def test_a_password_reset_lifts_the_block(app, env, as_user):
    fail(Person(app), 8)
    admin = as_user("admin")
    with env.db.read() as s:
        uid = s.scalars(select(User.id).where(User.username == "intake")).one()
    admin.post(f"/admin/people/{uid}/password", {"password": "a-brand-new-password"}, page_url=f"/admin/people/{uid}")
    assert Person(app).sign_in("intake", "a-brand-new-password").status_code == 302


@pytest.mark.parametrize(("failures", "block"), [(1, None), (4, None), (5, 15), (6, 30), (9, 240), (10, 300),
                                                 (1000, 300)])
def test_block_lengths(failures, block):
    assert login_throttle.block_for(failures) == (timedelta(seconds=block) if block else None)


def test_failures_counted_at_the_same_moment_are_all_counted(env):
    import threading

    key, start = login_throttle.account_key("intake"), threading.Barrier(8)

    def one_failure():
        start.wait()
        with env.db.write() as s:
            login_throttle.record_failure(s, key, env.clock.now())

    threads = [threading.Thread(target=one_failure) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with env.db.read() as s:
        assert s.get(login_throttle.LoginThrottle, key).failures == 8
