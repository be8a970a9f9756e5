"""The key that signs cookies: never the published development key, never weak, and, when none is
configured, one of the installation's own, created once (mode 0600) and shared by every process."""
from __future__ import annotations

import stat
import threading

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

from engine.core.config import load_settings
from engine.core.errors import ConfigError
from engine.core.secret_key import load_or_create, session_secret
from webapp import create_app
from webapp.cli import main

OLD_DEFAULT = "greenloop-development-key"


def forged_cookie(key: str, payload: dict) -> str:
    """A session cookie exactly as Flask would sign it with ``key``."""
    interface = SecureCookieSessionInterface()
    serializer = URLSafeTimedSerializer(key, salt=interface.salt, serializer=interface.serializer,
                                        signer_kwargs={"key_derivation": interface.key_derivation,
                                                       "digest_method": interface.digest_method})
    return serializer.dumps(payload)


def unconfigured(tmp_path) -> dict:
    """The environment of an installation started as the README says: no GREENLOOP_SECRET_KEY."""
    return {"GREENLOOP_DATA_DIR": str(tmp_path / "data")}


def test_an_admin_cookie_forged_with_the_old_default_key_is_refused(env, tmp_path, translations):
    app = create_app(load_settings(unconfigured(tmp_path)), runtime=env.runtime, TESTING=True,
                     BABEL_TRANSLATION_DIRECTORIES=str(translations))
    assert app.secret_key != OLD_DEFAULT
    client = app.test_client()
    for user_id in ("1", "2", "3"):  # the seeded accounts, the administrator among them
        client.set_cookie("session", forged_cookie(OLD_DEFAULT, {"_user_id": user_id, "_fresh": True}))
        response = client.get("/admin/people")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.test_request_context(headers={"Cookie": "session=" + forged_cookie(OLD_DEFAULT, {"_user_id": "1"})}):
        from flask import session

        assert "_user_id" not in session  # the signature itself is refused


@pytest.mark.parametrize("key", [OLD_DEFAULT, " greenloop-development-key ", "GREENLOOP-DEVELOPMENT-KEY",
                                 "changeme", "secret", "short-key-1234", "a" * 64, "abab" * 16, "0123456789" * 3])
def test_a_known_or_weak_key_is_refused_at_start(key, env, tmp_path):
    with pytest.raises(ConfigError):
        create_app(load_settings({**unconfigured(tmp_path), "GREENLOOP_SECRET_KEY": key}), runtime=env.runtime)


def test_greenloop_run_refuses_the_old_key_and_says_why(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("GREENLOOP_SECRET_KEY", OLD_DEFAULT)
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path))
    assert main(["run", "--no-worker"]) == 1
    assert "GREENLOOP_SECRET_KEY" in capsys.readouterr().err


def test_a_strong_configured_key_is_used_as_given(tmp_path):
    key = "Qm4v1yZ0k3b8T2rW9pXcL6sN5hJ7dF0aE1gU"
    assert session_secret(load_settings({**unconfigured(tmp_path), "GREENLOOP_SECRET_KEY": key})) == key
    assert not (tmp_path / "data" / "secret_key").exists()


def test_without_a_configured_key_one_is_created_private_and_reused(tmp_path):
    settings = load_settings(unconfigured(tmp_path))
    first = session_secret(settings)
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 64 and first != OLD_DEFAULT
    assert session_secret(load_settings(unconfigured(tmp_path))) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left behind
    # Another installation has a key of its own.
    assert session_secret(load_settings({"GREENLOOP_DATA_DIR": str(tmp_path / "elsewhere")})) != first


def test_a_session_survives_a_restart(env, tmp_path, translations):
    settings = load_settings(unconfigured(tmp_path))
    before = create_app(settings, runtime=env.runtime, TESTING=True, BABEL_TRANSLATION_DIRECTORIES=str(translations))
    after = create_app(settings, runtime=env.runtime, TESTING=True, BABEL_TRANSLATION_DIRECTORIES=str(translations))
    assert before.secret_key == after.secret_key


def test_processes_starting_together_agree_on_one_key(tmp_path):
    path = tmp_path / "data" / "secret_key"
    start = threading.Barrier(8)
    keys: list[str] = []

    def race():
        start.wait()
        keys.append(load_or_create(path))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert path.read_text().strip() == keys[0]


def test_a_key_file_others_can_read_is_refused(tmp_path):
    path = tmp_path / "secret_key"
    load_or_create(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_or_create(path)


def test_a_weak_key_file_is_refused(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text(OLD_DEFAULT)
    path.chmod(0o600)
    with pytest.raises(ConfigError):
        load_or_create(path)
