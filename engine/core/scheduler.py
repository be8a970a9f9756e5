"""The APScheduler that drives a worker process's loops (the timer loop, the job loop).

One scheduler per process holds one job per loop. Each job runs one round, and once APScheduler
counts the round as ended its next run time is moved: at once when there is more to do, else after
a wait the loop decides (the earliest due timer, the idle interval). Moving it from inside the
round would be too early: APScheduler still counts that round as running, so it skips the run
just asked for (max_instances=1) and leaves the job to its 1-day trigger — the loop would stop. APScheduler only does the waking up; its job store lives in memory
and is never shared between processes (its FAQ: job stores cannot be shared). What is due is read
from the database rows.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

log = logging.getLogger(__name__)

JOB_DEFAULTS = {
    "max_instances": 1,  # a round never overlaps the previous one of the same loop
    "coalesce": True,  # a loop that fell behind runs one round, not one per missed run time
    # However late the scheduler gets to a round (a loaded machine), it runs it: APScheduler's
    # default grace of one second would skip it and leave a due timer to the next poll.
    "misfire_grace_time": None,
}


class ScheduledLoop:
    """A loop run as one APScheduler job: ``round()`` does the work and returns the seconds to
    wait before the next round (0: at once)."""

    JOB_ID = "greenloop-loop"
    scheduler: WorkerScheduler | None = None
    _next_wait: float = 0.0
    _round_thread: threading.Thread | None = None
    _own: WorkerScheduler | None = None

    def poll_seconds(self) -> float:
        """The longest wait between two rounds."""
        raise NotImplementedError

    def round(self) -> float:
        raise NotImplementedError

    def attach(self, worker: WorkerScheduler) -> None:
        """Add this loop's job to ``worker``'s scheduler, due at once."""
        self.scheduler = worker
        # The trigger only keeps the job in the store: every round sets the next run time itself
        # when it ends (a shorter interval would fire during a long round, only to be skipped).
        worker.scheduler.add_job(self._scheduled_round, "interval", days=1, id=self.JOB_ID,
                          name=self.JOB_ID, next_run_time=datetime.now(timezone.utc))

    def detach(self) -> None:
        """Called once the scheduler has shut down."""

    def _scheduled_round(self) -> None:
        self._round_thread = threading.current_thread()
        self._next_wait = self.poll_seconds()  # a round that raised is tried again after the idle interval
        self._next_wait = self.round()

    def round_ended(self) -> None:
        """APScheduler no longer counts the round as running (WorkerScheduler's listener): move the
        next round to the wait the round chose."""
        self.run_next(self._next_wait)

    def run_next(self, seconds: float) -> None:
        """Move this loop's next round to ``seconds`` from now. Thread-safe."""
        if self.scheduler is not None:
            self.scheduler.move(self.JOB_ID, seconds)

    def start_background(self):
        """Run this loop alone in a background scheduler of its own (tests, `greenloop run`)."""
        self._own = WorkerScheduler([self])
        self._own.start()
        return self

    def stop(self) -> None:
        if self._own is not None:
            self._own.stop()


class WorkerScheduler:
    """One APScheduler for a process's loops. ``blocking`` (`greenloop worker`): ``start()`` runs
    the scheduler in the calling thread until it is interrupted; else it runs in the background."""

    def __init__(self, loops: list[ScheduledLoop], blocking: bool = False):
        self.loops = loops
        kind = BlockingScheduler if blocking else BackgroundScheduler
        # A thread per loop and one to spare: each job has at most one round under way, so a long
        # render in the job loop never holds up the timer loop's round.
        self.scheduler = kind(timezone=timezone.utc, job_defaults=JOB_DEFAULTS,
                              executors={"default": ThreadPoolExecutor(max_workers=len(loops) + 1)})
        self._stopped = threading.Event()
        # APScheduler's shutdown(wait=True) holds its job store lock while it waits for the rounds
        # under way, and modify_job takes that lock: a round moving its job after shutdown began
        # would wait for ever. So moving and stopping take turns, and nothing moves once stopped.
        self._gate = threading.Lock()
        # Dispatched after the executor has stopped counting the round (apscheduler/executors/base.py,
        # _run_job_success), from the round's own pool thread.
        self.scheduler.add_listener(self._round_ended, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _round_ended(self, event: JobExecutionEvent) -> None:
        for loop in self.loops:
            if loop.JOB_ID != event.job_id:
                continue
            if threading.current_thread() is loop._round_thread:
                loop.round_ended()
            else:
                # A round so short that it ended before the scheduler's thread had finished
                # submitting it: this is that thread, inside its job store lock, and it sets the job's
                # trigger time once this returns. The move must come after that, so from a thread of
                # its own (it waits for the lock).
                threading.Thread(target=loop.round_ended, name=f"{loop.JOB_ID}-ended", daemon=True).start()

    def start(self) -> WorkerScheduler:
        for loop in self.loops:
            loop.attach(self)
        self.scheduler.start()
        return self

    def move(self, job_id: str, seconds: float) -> None:
        """Set ``job_id``'s next run time ``seconds`` from now (APScheduler 3's modify_job takes
        its job store lock and wakes its main loop, from any thread)."""
        with self._gate:
            if self._stopped.is_set() or not self.scheduler.running:
                return
            try:
                self.scheduler.modify_job(job_id, next_run_time=datetime.now(timezone.utc) + timedelta(seconds=seconds))
            except JobLookupError:
                pass

    def stop(self) -> None:
        # Waits for the rounds under way: each finishes its step (one transaction each) rather than
        # writing on after whoever stopped the worker has moved on.
        with self._gate:
            if self._stopped.is_set():
                return
            self._stopped.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        for loop in self.loops:
            loop.detach()
