"""Waking the timer worker when a step brings a timer close (PostgreSQL LISTEN/NOTIFY).

The worker sleeps until its earliest due timer, but never longer than its poll interval. A timer
created or moved earlier by another process (a web request) while it sleeps would otherwise wait
for that interval. So a flush that sets an instance's ``next_timer_due`` earlier than it was, and
within WAKE_HORIZON of now, also runs ``pg_notify`` in the same transaction: PostgreSQL delivers
it only when the transaction commits (never for a rollback, never before the row is visible), and
the worker's ``TimerWake`` listener wakes it. Timers further away are found by the worker's own
poll, which never sleeps longer than WAKE_HORIZON, so only steps that set a near timer pay the
extra statement. The listener brings the worker's APScheduler job forward to now
(engine/timers/worker.py). SQLite has no such channel: the worker polls.

Waking only shortens a sleep; which instances are due is still read from the rows, and firing
stays exactly once (engine/timers/fire.py).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session

from engine.core.clock import current_clock
from engine.models import ProcessInstance

log = logging.getLogger(__name__)

CHANNEL = "greenloop_timers"
# The longest the worker sleeps on PostgreSQL; a timer due later than this needs no wake-up.
WAKE_HORIZON = timedelta(seconds=60)
_installed = threading.Lock()
_state = {"on": False}


def maintain() -> None:
    """Notify the worker from every session that brings a timer near. Idempotent."""
    with _installed:
        if not _state["on"]:
            event.listen(Session, "after_flush", _after_flush)
            _state["on"] = True


def nearer_timer(session: Session):
    """The earliest ``next_timer_due`` this flush set earlier than before, or None."""
    horizon = current_clock().now() + WAKE_HORIZON
    nearest = None
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, ProcessInstance) or obj.next_timer_due is None or obj.status != "running":
            continue
        history = inspect(obj).attrs.next_timer_due.history
        if not history.added:
            continue
        due = history.added[0]
        before = history.deleted[0] if history.deleted else None
        if due is None or due >= horizon or (before is not None and before <= due):
            continue
        nearest = due if nearest is None or due < nearest else nearest
    return nearest


def _after_flush(session: Session, _context) -> None:
    # After the flush the attribute history still shows what it changed (SQLAlchemy's
    # after_flush contract), and SQL may be run on the flush's own connection.
    if session.get_bind().dialect.name != "postgresql":
        return
    due = nearer_timer(session)
    if due is not None:
        session.connection().execute(text("SELECT pg_notify(:channel, :due)"),
                                     {"channel": CHANNEL, "due": due.isoformat()})


class TimerWake:
    """A PostgreSQL connection LISTENing on CHANNEL in a thread of its own; each notification calls
    ``on_notify`` (in that thread). Reconnects after a lost connection (the worker polls meanwhile)."""

    def __init__(self, url: str, on_notify: Callable[[], None], retry_seconds: float = 5.0):
        self.conninfo = _conninfo(url)
        self.on_notify = on_notify
        self.retry = retry_seconds
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="greenloop-timer-wake", daemon=True)

    def start(self) -> TimerWake:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Anything committed while no one listened is found by the tick that follows.
                    self.on_notify()
                    self.listening.set()
                    while not self._stop.is_set():
                        # The timeout only lets the thread notice stop(); psycopg >= 3.2.
                        for _note in conn.notifies(timeout=1.0):
                            self.on_notify()
            except Exception:  # noqa: BLE001 — a lost connection must not end the worker
                self.listening.clear()
                log.warning("timer wake-up connection lost; polling until it is back", exc_info=True)
                self._stop.wait(self.retry)


def _conninfo(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
