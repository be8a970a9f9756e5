"""The timer loop of `greenloop worker`: fire due timers, then sleep until the next one.

A tick starts the due patrols and fires the due timers, nothing else: rendering, mail and text
messages run in the job loop (engine/jobs/worker.py), so a backlog there never delays a timer.
The sleep ends at the earliest due timer, after the poll interval at the latest, or at once when
a step in another process brings a timer nearer (engine/timers/wake.py, PostgreSQL).

What is due is read from the database rows, so any number of these loops may run against one
PostgreSQL (engine/timers/fire.py claims each instance for exactly one of them).
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from engine.core.runtime import Runtime
from engine.patrol.schedule import start_due_patrols
from engine.timers.fire import earliest_due, fire_due
from engine.timers.wake import WAKE_HORIZON, TimerWake

log = logging.getLogger(__name__)
# A little past the due moment: a timer fires when strictly due (engine/timers/fire.py).
PAST_DUE = timedelta(milliseconds=5)


class TimerWorker:
    DONE = "fired %d due instance(s)"

    def __init__(self, runtime: Runtime, poll_seconds: float = 10.0, batch: int = 500, listen: bool = True):
        self.runtime = runtime
        # On PostgreSQL a step that brings a timer nearer wakes the loop, for timers within
        # WAKE_HORIZON; the loop must look again at least that often for the ones further away.
        self.listen = listen and runtime.db.is_postgres
        poll = timedelta(seconds=poll_seconds)
        self.poll = min(poll, WAKE_HORIZON) if self.listen else poll
        self.batch = batch
        self.fired_total = 0
        self.ticks = 0
        self.wake = threading.Event()
        self.sleeping = threading.Event()  # between ticks
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listener: TimerWake | None = None

    def tick(self) -> int:
        """Start due patrols and fire up to ``batch`` due instances; returns how many fired."""
        self.ticks += 1
        # Patrols whose slot opened start first, so that their timers are in this tick's view.
        start_due_patrols(self.runtime)
        fired = fire_due(self.runtime, limit=self.batch)
        self.fired_total += fired
        return fired

    run_once = tick

    def sleep_for(self) -> float:
        """Seconds until the earliest due timer (engine clock), at most the poll interval."""
        due = earliest_due(self.runtime)
        # The engine clock may be set apart from the wall clock (tests, demos): sleep for the
        # engine-time distance to the next due timer.
        wait = self.poll if due is None else max(timedelta(0), min(self.poll, due - self.runtime.now() + PAST_DUE))
        return wait.total_seconds()

    @property
    def listening(self) -> bool:
        """Whether a step's wake-up reaches this loop now (PostgreSQL, its listener connected)."""
        return self._listener is not None and self._listener.listening.is_set()

    def run(self) -> None:
        """Tick and sleep until stopped."""
        if self.listen:
            self._listener = TimerWake(self.runtime.db.url, self.wake).start()
        log.info("timer worker started (poll %ss%s)", self.poll.total_seconds(),
                 ", woken by LISTEN/NOTIFY" if self.listen else "")
        try:
            while not self._stop.is_set():
                # Cleared before the tick reads the rows: a notification arriving from here on
                # ends the coming sleep at once, so none is lost between the tick and the sleep.
                self.wake.clear()
                try:
                    fired = self.tick()
                    wait = 0.0 if fired >= self.batch else self.sleep_for()
                except Exception:  # a database outage must not kill the worker; try again later
                    # Back off for a poll interval: retrying at once would spin as fast as the
                    # failure can be produced.
                    log.exception("timer tick failed")
                    wait = self.poll.total_seconds()
                if wait > 0:
                    self.sleeping.set()
                    self.wake.wait(wait)
                    self.sleeping.clear()
        finally:
            if self._listener is not None:
                self._listener.stop()

    def start_background(self) -> TimerWorker:
        self._thread = threading.Thread(target=self.run, name="greenloop-timers", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        # Waits for a tick under way: it finishes its step (one transaction each) rather than
        # writing on after whoever stopped the worker has moved on.
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
