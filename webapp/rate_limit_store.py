"""Where a web process counts its rate limits when they are counted per process
(GREENLOOP_RATE_LIMIT_STORAGE=memory://, the default; Redis is used as it is).

limits' own memory storage starts a thread to expire counters after every counted request that
follows 10 ms without one, and that thread walks every counter it holds. The public form keeps a
counter per address for a day (webapp/public/portal.py), so under load every submission paid a
thread start plus a walk over thousands of counters: about 0.5 ms with none, 3.5 ms with 20,000
(bench/http_bench.py counts a fresh address per citizen). Here a counter is found expired when it
is read, and the expired ones are dropped at most once a minute, inline, by whoever counts next.

Only the fixed window is kept, the strategy the app uses (Flask-Limiter's default); limits
refuses another strategy with this storage at start-up.
"""
from __future__ import annotations

import threading
import time

from flask import Flask
from limits.storage import Storage

SCHEME = "greenloop-memory"
SWEEP_EVERY = 60.0  # seconds


class ProcessCounters(Storage):
    """Fixed-window counters in this process: key → (count, end of its window)."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self._counters: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.time() + SWEEP_EVERY
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception]:
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._counters = {k: v for k, v in self._counters.items() if v[1] > now}
                self._next_sweep = now + SWEEP_EVERY
            count, ends = self._counters.get(key, (0, 0.0))
            if ends <= now:
                count, ends = 0, now + expiry
            count += amount
            self._counters[key] = (count, ends)
            return count

    def get(self, key: str) -> int:
        count, ends = self._counters.get(key, (0, 0.0))
        return count if ends > time.time() else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        _count, ends = self._counters.get(key, (0, 0.0))
        return ends if ends > now else now

    def check(self) -> bool:
        return True

    def reset(self) -> int:
        with self._lock:
            cleared = len(self._counters)
            self._counters = {}
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._counters.pop(key, None)


def init_app(app: Flask) -> None:
    """Before the limiter is bound: per-process counting goes to ProcessCounters."""
    if str(app.config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory://"):
        app.config["RATELIMIT_STORAGE_URI"] = f"{SCHEME}://"
