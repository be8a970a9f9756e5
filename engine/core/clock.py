"""The one clock the engine and the worker read.

Tests and the multi-process worker test control time through it instead of sleeping.
"""
from __future__ import annotations

import os
import threading
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone


class Clock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class SystemClock(Clock):
    pass


class ManualClock(Clock):
    """A clock that only moves when told to (thread-safe: the worker thread reads it too)."""

    def __init__(self, start: datetime):
        self._lock = threading.Lock()
        self._now = _aware(start)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = _aware(when)

    def advance(self, delta: timedelta | None = None, **kwargs) -> datetime:
        delta = delta if delta is not None else timedelta(**kwargs)
        with self._lock:
            self._now += delta
            return self._now


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("clock times must carry a timezone offset")
    return when.astimezone(timezone.utc)


def clock_from_env(env: dict[str, str] | None = None) -> Clock:
    """GREENLOOP_FAKE_NOW=ISO-datetime freezes time: used to start worker processes in tests."""
    env = os.environ if env is None else env
    fake = env.get("GREENLOOP_FAKE_NOW")
    if fake:
        return ManualClock(datetime.fromisoformat(fake))
    return SystemClock()


# SpiffWorkflow's timers call datetime.now() with no hook; the shim in spiff_clock reads
# whichever clock the running step installed here.
active_clock: ContextVar[Clock | None] = ContextVar("greenloop_active_clock", default=None)
SYSTEM_CLOCK = SystemClock()


def current_clock() -> Clock:
    return active_clock.get() or SYSTEM_CLOCK
