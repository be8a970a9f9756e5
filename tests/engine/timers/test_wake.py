"""Timers on time: the tick does no side work, and on PostgreSQL a step in another process that
brings a timer near wakes the sleeping timer loop at its commit (engine/timers/wake.py)."""
from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from engine.definitions.deploy import deploy
from engine.models import ProcessDefinition, ProcessInstance
from engine.models.documents import Document
from engine.timers.wake import WAKE_HORIZON, TimerWake
from engine.timers.worker import TimerWorker

DIAGRAM = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn" / "timer_test.bpmn"


def _definition(env) -> int:
    with env.db.write() as s:
        definition, _ = deploy(s, env.runtime, {DIAGRAM.name: DIAGRAM.read_text(encoding="utf-8")}, {},
                               process_id="timer_test")
        return definition.id


def _start(env, definition_id: int, fire_in: timedelta) -> int:
    """One instance waiting on a timer ``fire_in`` from the engine's now, committed."""
    with env.db.write() as s:
        definition = s.get(ProcessDefinition, definition_id)
        return env.runtime.start(s, None, {"fire_at": (env.clock.now() + fire_in).isoformat()}, "test",
                                 definition=definition).instance.id


def _instance(env, instance_id: int) -> ProcessInstance:
    with env.db.read() as s:
        return s.get(ProcessInstance, instance_id)


class Notifies:
    """The pg_notify statements sent on the database's connections."""

    def __init__(self, db):
        self.sent: list[dict] = []
        self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn, _cursor, statement, parameters, _context, _many):
        if "pg_notify" in statement:
            self.sent.append(parameters)

    def close(self):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_the_tick_renders_nothing_so_a_document_backlog_never_delays_a_timer(env):
    for _ in range(3):  # each accepted case has its acceptance notice waiting to be rendered
        env.complete(env.register(), "receive", {"decision": "accept"}, actor="intake")
    case = env.register()
    env.clock.set(env.instance(case).next_timer_due.replace(microsecond=1))
    assert TimerWorker(env.runtime).tick() >= 1  # the accepted cases' own timers may be due too
    assert env.case(case).colour == "yellow"
    with env.db.read() as s:
        assert set(s.scalars(select(Document.status))) == {"pending"}


def test_only_a_step_bringing_a_timer_near_sends_a_wake_up(env):
    definition_id = _definition(env)
    notifies = Notifies(env.db)
    try:
        far = _start(env, definition_id, WAKE_HORIZON + timedelta(minutes=1))
        assert notifies.sent == []  # the worker's own poll finds it in time
        env.register()  # a case: its first deadline is days away
        assert notifies.sent == []
        near = _start(env, definition_id, timedelta(seconds=5))
    finally:
        notifies.close()
    due = _instance(env, near).next_timer_due
    assert _instance(env, far).next_timer_due > due
    if env.db.is_postgres:
        assert [p["due"] for p in notifies.sent] == [due.isoformat()]
    else:
        assert notifies.sent == []  # SQLite: the worker polls


@pytest.mark.postgres
def test_the_wake_up_arrives_at_commit_on_a_listening_connection(env):
    if not env.db.is_postgres:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    definition_id = _definition(env)
    woken = threading.Event()
    listener = TimerWake(env.db.url, woken.set).start()
    try:
        assert listener.listening.wait(30)
        assert woken.wait(5)  # set once on (re)connecting: what was committed before is looked at
        woken.clear()
        with env.db.write() as s:
            definition = s.get(ProcessDefinition, definition_id)
            env.runtime.start(s, None, {"fire_at": (env.clock.now() + timedelta(seconds=5)).isoformat()}, "test",
                              definition=definition)
            s.flush()
            # Sent in the transaction, delivered by PostgreSQL only once it commits.
            assert not woken.is_set()
        assert woken.wait(30)
    finally:
        listener.stop()


@pytest.mark.postgres
def test_a_timer_created_by_another_connection_wakes_the_sleeping_worker(env):
    if not env.db.is_postgres:
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite polls")
    definition_id = _definition(env)
    # Without a wake-up this worker would sleep an hour between looks (capped at WAKE_HORIZON on
    # PostgreSQL, still far longer than the wait below).
    worker = TimerWorker(env.runtime, poll_seconds=3600)
    worker.start_background()
    fired = threading.Event()
    try:
        # Asleep, listening, and the wake-up its listener gave on connecting already used.
        _until(lambda: worker.listening and worker.sleeping.is_set() and not worker.wake.is_set(), 30)
        assert worker.listening and worker.sleeping.is_set()
        instance_id = _start(env, definition_id, timedelta(seconds=1))  # another connection commits
        env.clock.advance(seconds=2)  # ... and the timer falls due
        watcher = threading.Thread(target=lambda: _until(lambda: worker.fired_total >= 1, 30, fired), daemon=True)
        watcher.start()
        assert fired.wait(30)
    finally:
        worker.stop()
    assert worker.fired_total == 1
    assert _instance(env, instance_id).next_timer_due is None


def _until(condition, timeout: float, done: threading.Event | None = None) -> None:
    pause = threading.Event()
    for _ in range(int(timeout / 0.02)):
        if condition():
            if done is not None:
                done.set()
            return
        pause.wait(0.02)
