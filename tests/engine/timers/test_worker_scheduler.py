"""One APScheduler per worker process drives both loops (engine/core/scheduler.py): a round of the
job loop that renders a backlog does not hold up a timer falling due meanwhile."""
from __future__ import annotations

import threading

from engine.core.scheduler import ScheduledLoop, WorkerScheduler
from engine.jobs.worker import JobWorker
from engine.timers.worker import TimerWorker
from tests.engine.jobs.test_job_loop import pending_documents, statuses


def test_each_loop_is_one_job_that_never_overlaps_itself(env):
    timers, jobs = TimerWorker(env.runtime, poll_seconds=3600), JobWorker(env.runtime, poll_seconds=3600, smtp_url="")
    worker = WorkerScheduler([timers, jobs]).start()
    try:
        scheduled = {job.id: job for job in worker.scheduler.get_jobs()}
        assert set(scheduled) == {TimerWorker.JOB_ID, JobWorker.JOB_ID}
        assert {(job.max_instances, job.coalesce, job.misfire_grace_time) for job in scheduled.values()} == \
            {(1, True, None)}
        # A pool thread for each loop, so neither waits for the other's round.
        assert worker.scheduler._lookup_executor("default")._pool._max_workers >= 2
    finally:
        worker.stop()
    assert not worker.scheduler.running


def test_a_timer_fires_while_the_job_loop_is_in_the_middle_of_a_long_round(env, monkeypatch, tmp_path):
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path))
    ids = pending_documents(env, 6)
    case = env.register()
    due = env.instance(case).next_timer_due
    timers = TimerWorker(env.runtime, poll_seconds=0.2)
    # One round renders the whole backlog: done_total grows only when that round ends.
    jobs = JobWorker(env.runtime, poll_seconds=3600, batch=len(ids) + 1, smtp_url="")
    worker = WorkerScheduler([timers, jobs]).start()
    try:
        _until(lambda: "rendered" in statuses(env).values())  # the job loop's round is under way
        assert jobs.done_total == 0
        env.clock.set(due.replace(microsecond=1))
        _until(lambda: env.case(case).colour == "yellow")
        # Fired by the timer loop before the job loop's round was over.
        assert jobs.done_total == 0 and "pending" in statuses(env).values()
    finally:
        worker.stop()  # waits for the job loop's round to end
    # The round ended and counted what it rendered (newest first, the timer's documents included).
    assert jobs.done_total == list(statuses(env).values()).count("rendered") >= len(ids)


def _until(condition, timeout: float = 120) -> None:
    pause = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        pause.wait(0.02)
    raise AssertionError("condition not reached in time")


class _Busy(ScheduledLoop):
    """A loop with ``rounds`` rounds of work, each asking for the next at once."""
    JOB_ID = "busy-loop"

    def __init__(self, rounds: int):
        self.left, self.done = rounds, threading.Event()

    def poll_seconds(self) -> float:
        return 3600

    def round(self) -> float:
        self.left -= 1
        if self.left == 0:
            self.done.set()
        return 0 if self.left > 0 else self.poll_seconds()


def test_a_round_asking_for_the_next_at_once_gets_it_every_time():
    # Moved while APScheduler still counted the round as running, the next run was skipped
    # (max_instances) and the job left to its 1-day trigger: the loop stopped after a round.
    busy = _Busy(200)
    worker = WorkerScheduler([busy]).start()
    try:
        assert busy.done.wait(30), f"the loop stopped with {busy.left} rounds left"
    finally:
        worker.stop()
