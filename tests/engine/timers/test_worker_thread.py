"""The timer loop in `greenloop run`/`greenloop worker` wakes up for due timers."""
import time

from engine.timers.worker import TimerWorker


def test_background_worker_fires_a_due_timer_and_goes_back_to_sleep(env):
    case = env.register()
    env.clock.set(env.instance(case).next_timer_due.replace(microsecond=1))
    worker = TimerWorker(env.runtime, poll_seconds=0.2)
    worker.start_background()
    try:
        deadline = time.monotonic() + 20
        while env.case(case).colour != "yellow" and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        worker.stop()
    assert env.case(case).colour == "yellow"
    assert worker.fired_total == 1
    assert len(env.audit(case, "timer_fired")) == 1


def test_tick_fires_everything_due_in_batches(env):
    cases = [env.register() for _ in range(5)]
    env.clock.set(env.instance(cases[0]).next_timer_due.replace(microsecond=1))
    worker = TimerWorker(env.runtime, batch=2)
    assert [worker.tick(), worker.tick(), worker.tick(), worker.tick()] == [2, 2, 1, 0]
    assert {env.case(c).colour for c in cases} == {"yellow"}
