"""Rate limits hold across web processes (GREENLOOP_RATE_LIMIT_STORAGE, docs/deployment.md): with
Redis, the sign-in attempts one process counted still count in another; with the in-memory default
each process starts from nothing — the reason a deployment of several processes needs Redis.
Each app made here calls the shared limiter's init_app afresh, so it gets a store of its own, as a
separate process would."""
from __future__ import annotations

import os
import uuid

import pytest

from engine.core.config import load_settings
from engine.core.errors import ConfigError
from tests.security.test_login_limits import Person
from webapp import create_app

REDIS_URL = os.environ.get("GREENLOOP_TEST_REDIS_URL")


def _web_process(env, tmp_path, storage: str, prefix: str):
    return create_app(runtime=env.runtime, TESTING=True, LOGIN_RATE_LIMIT="3 per minute",
                      RATELIMIT_STORAGE_URI=storage, RATELIMIT_KEY_PREFIX=prefix,
                      ATTACHMENTS_DIR=str(tmp_path / "attachments"))


def _attempts(app, times: int) -> list[int]:
    person = Person(app, "203.0.113.77")
    # A different name each time, so only the per-address limit can answer 429.
    return [person.sign_in(f"nobody{i}", "wrong-password").status_code for i in range(times)]


@pytest.mark.skipif(not REDIS_URL, reason="set GREENLOOP_TEST_REDIS_URL (.ci/run does)")
def test_a_second_web_process_sees_the_first_ones_count_through_redis(env, tmp_path):
    prefix = f"greenloop-test-{uuid.uuid4().hex}"
    first = _web_process(env, tmp_path, REDIS_URL, prefix)
    assert _attempts(first, 4) == [401, 401, 401, 429]
    second = _web_process(env, tmp_path, REDIS_URL, prefix)
    assert _attempts(second, 1) == [429]


def test_in_memory_counts_are_each_process_own(env, tmp_path):
    first = _web_process(env, tmp_path, "memory://", "m")
    assert _attempts(first, 4) == [401, 401, 401, 429]
    second = _web_process(env, tmp_path, "memory://", "m")
    assert _attempts(second, 1) == [401]


@pytest.mark.parametrize("value", ["http://127.0.0.1:6379", "file:///tmp/x", "mongodb://db"])
def test_an_unknown_store_is_refused_at_start(value):
    with pytest.raises(ConfigError, match="GREENLOOP_RATE_LIMIT_STORAGE"):
        load_settings({"GREENLOOP_RATE_LIMIT_STORAGE": value})


def test_the_store_comes_from_the_environment():
    assert load_settings({}).rate_limit_storage == "memory://"
    assert load_settings({"GREENLOOP_RATE_LIMIT_STORAGE": "redis://10.0.0.5:6379/2"}).rate_limit_storage \
        == "redis://10.0.0.5:6379/2"
