"""Due timers are fired a batch per transaction (engine/timers/fire.py): each instance in a
savepoint of its own, the batch committed once. A failing instance is parked alone; a batch that
fails as a whole (the database in trouble, a worker killed) leaves every instance due to be claimed
again; a second worker claims past the rows another holds."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from engine.core.runtime import Runtime
from engine.definitions.deploy import deploy
from engine.models import AuditEvent, ProcessInstance, Task
from engine.timers.fire import fire_due, fire_next_batch

DIAGRAM = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn" / "timer_test.bpmn"
FIRE_AT = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)


def _due_instances(env, count: int) -> list[int]:
    with env.db.write() as s:
        definition, _ = deploy(s, env.runtime, {DIAGRAM.name: DIAGRAM.read_text(encoding="utf-8")}, {},
                               process_id="timer_test")
        ids = [env.runtime.start(s, None, {"fire_at": FIRE_AT.isoformat()}, "test", definition=definition).instance.id
               for _ in range(count)]
    env.clock.set(FIRE_AT.replace(minute=5))
    return ids


def _with_hook(runtime: Runtime, hook) -> Runtime:
    """The same runtime with ``hook`` run after every step, once the step's rows are flushed."""
    bindings = replace(runtime.bindings, after_step=(*runtime.bindings.after_step, hook))
    return Runtime(runtime.db, runtime.clock, runtime.timezone, bindings)


def _fired(env, ids: list[int]) -> dict[int, int]:
    with env.db.read() as s:
        return dict(s.execute(select(AuditEvent.instance_id, func.count()).where(
            AuditEvent.kind == "timer_fired", AuditEvent.instance_id.in_(ids)).group_by(AuditEvent.instance_id)).all())


def _statuses(env, ids: list[int]) -> dict[int, tuple[str, datetime | None]]:
    with env.db.read() as s:
        return {i: (status, due) for i, status, due in s.execute(
            select(ProcessInstance.id, ProcessInstance.status, ProcessInstance.next_timer_due)
            .where(ProcessInstance.id.in_(ids)))}


def test_a_failing_instance_in_a_batch_is_parked_alone(env):
    ids = _due_instances(env, 5)
    bad = ids[2]

    def fail_one(outcome):
        if outcome.context.instance_id == bad:
            raise ValueError("this instance's own trouble")

    # The failure comes after the step flushed its instance, task and audit rows: the savepoint
    # takes back all of them, and only them.
    assert fire_next_batch(_with_hook(env.runtime, fail_one), size=5) == ids

    assert _fired(env, ids) == {i: 1 for i in ids if i != bad}
    statuses = _statuses(env, ids)
    assert statuses[bad] == ("error", FIRE_AT)
    assert all(statuses[i] == ("running", None) for i in ids if i != bad)
    with env.db.read() as s:
        ready = dict(s.execute(select(Task.instance_id, func.count()).where(
            Task.instance_id.in_(ids), Task.state == "ready").group_by(Task.instance_id)).all())
        errors = s.scalars(select(AuditEvent.detail).where(AuditEvent.kind == "error",
                                                           AuditEvent.instance_id == bad)).all()
        parked = s.get(ProcessInstance, bad)
    assert ready == {i: 1 for i in ids if i != bad}
    assert errors == [{"message": "ValueError: this instance's own trouble"}]
    assert parked.error == "ValueError: this instance's own trouble"
    assert fire_due(env.runtime) == 0  # parked, not claimed again


def test_a_batch_the_database_fails_is_rolled_back_whole_and_claimed_again(env):
    ids = _due_instances(env, 4)
    steps = []

    def lose_connection(outcome):
        steps.append(outcome.context.instance_id)
        if len(steps) == 3:
            raise OperationalError("UPDATE ...", {}, Exception("server closed the connection unexpectedly"))

    with pytest.raises(OperationalError):
        fire_next_batch(_with_hook(env.runtime, lose_connection), size=4)
    # Two steps had succeeded in their savepoints; they went with the batch's transaction.
    assert steps == ids[:3]
    assert _fired(env, ids) == {}
    assert set(_statuses(env, ids).values()) == {("running", FIRE_AT)}

    assert fire_due(env.runtime, batch=3) == 4
    assert _fired(env, ids) == {i: 1 for i in ids}
    assert set(_statuses(env, ids).values()) == {("running", None)}


def test_fire_due_stops_at_its_limit_across_batches(env):
    ids = _due_instances(env, 7)
    assert fire_due(env.runtime, limit=5, batch=2) == 5
    assert len(_fired(env, ids)) == 5
    assert fire_due(env.runtime, batch=2) == 2
    assert _fired(env, ids) == {i: 1 for i in ids}


def test_a_second_worker_claims_past_the_batch_another_holds(env):
    if not env.db.is_postgres:
        pytest.skip("SKIP LOCKED: on SQLite one writer at a time holds the whole database")
    ids = _due_instances(env, 6)
    holding, release = threading.Event(), threading.Event()

    def hold(outcome):
        holding.set()
        assert release.wait(30), "the test never released the first batch"

    first: list[int] = []
    errors: list[BaseException] = []

    def first_worker():
        try:
            first.extend(fire_next_batch(_with_hook(env.runtime, hold), size=3))
        except BaseException as err:  # noqa: BLE001 — reported by the test's thread below
            errors.append(err)

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert holding.wait(30), "the first batch never started"
        # The first batch's three rows are locked until it commits: the second claims the others.
        second = fire_next_batch(env.runtime, size=6)
    finally:
        release.set()
        thread.join(30)
    assert not errors, errors
    assert len(first) == 3 and len(second) == 3 and sorted(first + second) == ids
    assert fire_due(env.runtime) == 0
    assert _fired(env, ids) == {i: 1 for i in ids}
