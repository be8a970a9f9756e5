"""A calendar change's deadlines moved in batches, one transaction each, resumable after a crash,
end exactly where moving them all in the change's own transaction puts them."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.calendar.admin import CalendarError, set_day
from engine.calendar.jobs import continue_jobs, run_batch, run_in
from engine.jobs.worker import JobWorker
from engine.models import AuditEvent, Case, ProcessInstance, Task
from engine.models.calendar_jobs import CalendarJob

HOLIDAY = date(2026, 4, 15)


class _Rollback(Exception):
    pass


def snapshot(session) -> dict:
    """Every deadline and colour a calendar change may move."""
    return {
        "cases": {c.id: (c.stage, c.stage_due, c.stage_warn, c.colour, c.tier)
                  for c in session.scalars(select(Case).order_by(Case.id))},
        "tasks": {t.id: (t.state, t.due_at, t.warn_at) for t in session.scalars(select(Task).order_by(Task.id))},
        "instances": {i.id: (i.status, i.next_timer_due)
                      for i in session.scalars(select(ProcessInstance).order_by(ProcessInstance.id))},
        "recomputed": sorted(e.case_id for e in session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "deadline_recomputed"))),
    }


@pytest.fixture
def open_cases(env):
    """Eleven running cases over two weeks: handling (60 working days, across the holiday),
    receiving (15 days, before it) and one urgent (hours: no calendar)."""
    start = env.clock.now()
    for n in range(11):
        env.clock.set(start + timedelta(days=n, hours=n))
        case = env.register(title=f"案件{n}", urgent=n == 5)
        if n % 3 != 2:
            env.accept_and_assign(case)
            env.sign_for(case)
    env.clock.set(start + timedelta(days=12))


def test_batches_with_a_crash_end_as_one_transaction_does(env, open_cases):
    original = env.run(lambda s, rt: snapshot(s))
    # The one-transaction version, rolled back after its result is read.
    with pytest.raises(_Rollback):
        with env.db.write() as s:
            change = set_day(s, env.runtime, HOLIDAY, False, "admin", at_once=True)
            s.flush()
            expected = snapshot(s)
            raise _Rollback
    assert len(change.recomputed) == 8  # the cases in the handling stage
    assert expected["cases"] != original["cases"] and env.run(lambda s, rt: snapshot(s)) == original

    job_id = env.run(set_day, HOLIDAY, False, "admin").job_id
    assert env.run(lambda s, rt: snapshot(s)) == original  # the change alone moves nothing yet
    assert run_batch(env.runtime, job_id, limit=3) is True
    # A crash in the middle of the second batch: its transaction rolls back, the cursor stays.
    with pytest.raises(_Rollback):
        with env.db.write() as s:
            job = s.get(CalendarJob, job_id)
            run_in(s, env.runtime, job, limit=3)
            raise _Rollback
    with env.db.read() as s:
        job = s.get(CalendarJob, job_id)
        assert (job.state, job.batches, job.examined) == ("running", 1, 3)
        assert 0 < job.cursor and job.total >= 8
    # Another change waits for this one.
    with pytest.raises(CalendarError):
        env.run(set_day, date(2026, 4, 16), False, "admin")
    # The worker carries on, one batch per call.
    while continue_jobs(env.runtime, batches=1, limit=3):
        pass
    assert env.run(lambda s, rt: snapshot(s)) == expected
    with env.db.read() as s:
        job = s.get(CalendarJob, job_id)
        assert job.state == "done" and job.moved == 8 and job.batches >= 3 and job.examined == job.total
        [done] = s.scalars(select(AuditEvent).where(AuditEvent.kind == "calendar_recomputed")).all()
        assert done.detail["recomputed_cases"] == 8
    assert continue_jobs(env.runtime) == 0  # nothing left


def test_two_processes_running_the_same_job_take_turns(env, open_cases):
    job_id = env.run(set_day, HOLIDAY, False, "admin").job_id
    errors: list[BaseException] = []

    def carry_on():
        try:
            while run_batch(env.runtime, job_id, limit=2):
                pass
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=carry_on) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with env.db.read() as s:
        job = s.get(CalendarJob, job_id)
        moved = [e.case_id for e in s.scalars(select(AuditEvent).where(AuditEvent.kind == "deadline_recomputed"))]
    assert job.state == "done" and job.moved == 8
    assert len(moved) == len(set(moved)) == 8  # each case moved once


def test_the_job_loop_finishes_a_job_a_web_process_left(env, open_cases, tmp_path, monkeypatch):
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path / "data"))
    job_id = env.run(set_day, HOLIDAY, False, "admin").job_id  # the page's thread never ran
    JobWorker(env.runtime).run_once()
    with env.db.read() as s:
        job = s.get(CalendarJob, job_id)
    assert (job.state, job.moved, job.batches) == ("done", 8, 1)
