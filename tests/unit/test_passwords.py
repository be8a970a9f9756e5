"""Password hashes: production cost unless a test run asks for the cheap one; checking always works."""
from argon2 import extract_parameters

from engine.org.passwords import COST_VARIABLE, hash_password, verify_password


def test_production_hashes_use_the_strong_argon2id_parameters(monkeypatch):
    monkeypatch.delenv(COST_VARIABLE, raising=False)
    digest = hash_password("a-long-enough-secret")
    params = extract_parameters(digest)
    # RFC 9106's low-memory recommendation, argon2-cffi's default: never weaker than that.
    assert digest.startswith("$argon2id$")
    assert params.time_cost >= 3 and params.memory_cost >= 64 * 1024 and params.parallelism >= 4
    assert verify_password(digest, "a-long-enough-secret")
    assert not verify_password(digest, "a-long-enough-secreT")


def test_any_other_setting_keeps_the_strong_parameters(monkeypatch):
    monkeypatch.setenv(COST_VARIABLE, "1")
    assert extract_parameters(hash_password("x")).memory_cost >= 64 * 1024


def test_the_test_run_hashes_cheaply_and_still_refuses_wrong_passwords(monkeypatch):
    monkeypatch.setenv(COST_VARIABLE, "fast")
    digest = hash_password("test-password-1")
    assert extract_parameters(digest).time_cost == 1
    assert verify_password(digest, "test-password-1")
    assert not verify_password(digest, "test-password-2")
    assert not verify_password(digest, "")


def test_no_account_or_a_broken_hash_never_matches(monkeypatch):
    monkeypatch.setenv(COST_VARIABLE, "fast")
    assert not verify_password(None, "greenloop-no-such-user")
    assert not verify_password("", "")
    assert not verify_password("not-an-argon2-hash", "not-an-argon2-hash")
