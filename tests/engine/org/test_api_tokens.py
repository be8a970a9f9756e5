"""API tokens: shown once, stored as a hash, checked on every call, revocable; what a token may be."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.core.errors import FormInvalid, NotFound
from engine.models import AuditEvent, User
from engine.models.api import ApiToken
from engine.org.api_tokens import authenticate, create_token, list_tokens, parse_scopes, revoke_token


def test_the_token_is_random_shown_once_and_only_its_hash_is_stored(env):
    row, token = env.run(create_token, "在线监测平台", ["cases:write", "cases:read"], created_by="admin",
                              channel="monitoring")
    other = env.run(create_token, "在线监测平台 2", ["cases:read"], created_by="admin")[1]
    assert token.startswith("glt_") and len(token) >= 4 + 43 and token != other
    with env.db.read() as s:
        stored = s.get(ApiToken, row.id)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in " ".join(str(v) for v in vars(stored).values())
    assert stored.prefix == token[:10] and stored.scopes == ["cases:read", "cases:write"]
    assert (stored.user_id, stored.channel, stored.created_by, stored.created_at) == \
        (None, "monitoring", "admin", env.clock.now())
    event = list_audit(env, "api_token_created")[0]
    assert event.actor == "admin" and event.detail["name"] == "在线监测平台" and token not in str(event.detail)


def list_audit(env, kind):
    with env.db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)))


def test_authenticate_knows_the_client_and_refuses_anything_else(env):
    row, token = env.run(create_token, "监测", ["cases:write"], created_by="admin", channel="monitoring")
    client = authenticate(env.runtime, token)
    assert (client.id, client.name, client.scopes, client.user_id, client.channel, client.actor) == \
        (row.id, "监测", frozenset({"cases:write"}), None, "monitoring", "api:监测")
    for wrong in (None, "", token[:-1], token + "x", "Bearer " + token, "x" * 500, token.upper()):
        assert authenticate(env.runtime, wrong) is None
    env.run(revoke_token, row.id, "admin")
    assert authenticate(env.runtime, token) is None
    assert list_audit(env, "api_token_revoked")[0].actor == "admin"
    env.run(revoke_token, row.id, "admin")  # again: no second event
    assert len(list_audit(env, "api_token_revoked")) == 1
    with pytest.raises(NotFound):
        env.run(revoke_token, 999, "admin")


def test_a_users_token_stops_with_the_user(env):
    _row, token = env.run(create_token, "handler app", ["tasks:read"], created_by="admin", username="handler")
    client = authenticate(env.runtime, token)
    with env.db.write() as s:
        user = s.scalars(select(User).where(User.username == "handler")).one()
        assert client.user_id == user.id
        user.active = False
    assert authenticate(env.runtime, token) is None


def test_last_used_is_written_at_most_once_a_minute(env):
    row, token = env.run(create_token, "m", ["cases:read"], created_by="admin")

    def last_used():
        with env.db.read() as s:
            return s.get(ApiToken, row.id).last_used_at

    assert last_used() is None
    start = env.clock.now()
    authenticate(env.runtime, token)
    assert last_used() == start
    env.clock.set(start + timedelta(seconds=30))
    authenticate(env.runtime, token)
    assert last_used() == start
    env.clock.set(start + timedelta(seconds=61))
    authenticate(env.runtime, token)
    assert last_used() == start + timedelta(seconds=61)


@pytest.mark.parametrize("name, scopes, user, channel, field", [
    ("", ["cases:read"], None, None, "name"),
    ("x" * 101, ["cases:read"], None, None, "name"),
    ("m", [], None, None, "scopes"),
    ("m", ["cases:delete"], None, None, "scopes"),
    ("m", ["tasks:read"], None, None, "scopes"),  # a machine client has no tasks
    ("m", ["tasks:write"], "nobody", None, "user"),
    ("m", ["cases:write"], None, "fax", "channel"),
])
def test_invalid_tokens_are_refused_field_by_field(env, name, scopes, user, channel, field):
    with pytest.raises(FormInvalid) as err:
        env.run(create_token, name, scopes, created_by="admin", username=user, channel=channel)
    assert field in err.value.errors
    with env.db.read() as s:
        assert list_tokens(s) == []


def test_listing_names_the_user_and_never_holds_the_token(env):
    env.run(create_token, "a", "cases:read, tasks:read", created_by="admin", username="intake")
    env.run(create_token, "b", ["open311:submit"], created_by="admin")
    with env.db.read() as s:
        rows = list_tokens(s)
    assert [(t.name, username, t.scopes) for t, username in rows] == [
        ("b", None, ["open311:submit"]), ("a", "intake", ["cases:read", "tasks:read"])]
    assert parse_scopes("b:x,a:y  a:y") == ["a:y", "b:x"]
