"""The timer loop of `greenloop worker`: fire due timers, then sleep until the next one.

A round starts the due patrols and fires the due timers, nothing else: rendering, mail and text
messages run in the job loop (engine/jobs/worker.py), so a backlog there never delays a timer.
APScheduler drives the rounds (engine/core/scheduler.py): after each, the job is moved to the
earliest due timer, the poll interval at the latest, or at once when a step in another process
brings a timer nearer (engine/timers/wake.py, PostgreSQL).

What is due is read from the database rows, so any number of these loops may run against one
PostgreSQL (engine/timers/fire.py claims each instance for exactly one of them).
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from engine.core.runtime import Runtime
from engine.core.scheduler import ScheduledLoop
from engine.patrol.schedule import start_due_patrols
from engine.timers.fire import earliest_due, fire_due
from engine.timers.wake import WAKE_HORIZON, TimerWake

log = logging.getLogger(__name__)
# A little past the due moment: a timer fires when strictly due (engine/timers/fire.py).
PAST_DUE = timedelta(milliseconds=5)


class TimerWorker(ScheduledLoop):
    DONE = "fired %d due instance(s)"
    JOB_ID = "greenloop-timers"

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
        self.wake = threading.Event()  # a wake-up came since the current round began reading
        self.sleeping = threading.Event()  # between rounds, waiting for the next
        # Serializes "a wake-up came" with "the round picks its next run time", so a notification
        # arriving as a round ends is never overwritten by that round's later run time.
        self._turn = threading.Lock()
        self._ticking = False
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

    def poll_seconds(self) -> float:
        return self.poll.total_seconds()

    def attach(self, scheduler) -> None:
        super().attach(scheduler)
        if self.listen:
            self._listener = TimerWake(self.runtime.db.url, self.woken).start()
        log.info("timer worker started (poll %ss%s)", self.poll.total_seconds(),
                 ", woken by LISTEN/NOTIFY" if self.listen else "")

    def detach(self) -> None:
        if self._listener is not None:
            self._listener.stop()

    def woken(self) -> None:
        """A step brought a timer near (the listener's thread): run a round now."""
        with self._turn:
            self.wake.set()
            # A round under way picks its next run time when it has ended (round_ended), and sees
            # the flag then; moving the job now would only make APScheduler skip a second instance.
            if not self._ticking:
                self.run_next(0)

    def round(self) -> float:
        with self._turn:
            self._ticking = True
            self.sleeping.clear()
            # Cleared before the tick reads the rows: a notification from here on brings the next
            # round forward to now, so none is lost between the tick and the wait.
            self.wake.clear()
        try:
            fired = self.tick()
            wait = 0.0 if fired >= self.batch else self.sleep_for()
        except Exception:  # a database outage must not kill the worker; try again later
            # Back off for a poll interval: retrying at once would spin as fast as the failure
            # can be produced.
            log.exception("timer tick failed")
            wait = self.poll.total_seconds()
        return wait

    def round_ended(self) -> None:
        # Under the turn lock: a wake-up after this (woken(), _ticking False) moves the job to now,
        # one before it is seen here as the flag.
        with self._turn:
            self._ticking = False
            wait = 0.0 if self.wake.is_set() else self._next_wait
            self.run_next(wait)
            if wait > 0:
                self.sleeping.set()
