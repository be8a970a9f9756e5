"""The per-process rate-limit counters (webapp/rate_limit_store.py) behave as limits' fixed window
does, and drop expired counters without a thread."""
from __future__ import annotations

import time

import pytest
from limits import parse
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from webapp import rate_limit_store
from webapp.rate_limit_store import ProcessCounters


def test_a_window_counts_up_to_its_limit_and_starts_again_when_it_ends():
    limiter = FixedWindowRateLimiter(ProcessCounters())
    limit = parse("2 per 1 second")
    assert [limiter.hit(limit, "10.0.0.1") for _ in range(3)] == [True, True, False]
    assert limiter.hit(limit, "10.0.0.2")  # another address counts apart
    reset, remaining = limiter.get_window_stats(limit, "10.0.0.1")
    assert remaining == 0 and time.time() < reset <= time.time() + 1
    time.sleep(1.05)
    assert limiter.test(limit, "10.0.0.1") and limiter.hit(limit, "10.0.0.1")


def test_expired_counters_are_dropped_by_the_next_count(monkeypatch):
    monkeypatch.setattr(rate_limit_store, "SWEEP_EVERY", 0.0)
    counters = ProcessCounters()
    for n in range(50):
        counters.incr(f"old{n}", 1)
    counters.incr("current", 3600)
    time.sleep(1.05)
    counters.incr("next", 3600)
    assert counters.reset() == 2  # "current" and "next": the expired fifty went with the sweep


def test_clear_and_reset_forget_counts():
    counters = ProcessCounters()
    counters.incr("a", 60, amount=3)
    counters.incr("b", 60)
    counters.clear("a")
    assert counters.get("a") == 0 and counters.get("b") == 1
    counters.reset()
    assert counters.get("b") == 0


def test_strategies_it_does_not_keep_are_refused():
    with pytest.raises(NotImplementedError):
        MovingWindowRateLimiter(ProcessCounters())


def test_an_app_counting_per_process_uses_it(app):
    from webapp.extensions import limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == "greenloop-memory://"
    assert isinstance(limiter.storage, ProcessCounters)
