"""Several `greenloop worker` processes against one PostgreSQL: every due timer fires exactly once.

1,000 instances wait on timers that are all due at the same moment. Two worker processes fire
them; once a good part has fired, one of them is killed with SIGKILL in the middle of its run.
The survivor must finish the job: one `timer_fired` audit event per instance, never two, none
missing, every instance showing its user task and no timer left pending.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from bench.harness import stop_all, tail
from engine.bootstrap import build_runtime
from engine.core.clock import ManualClock
from engine.core.config import REPO_ROOT
from engine.core.db import Database
from engine.core.migrate import upgrade
from engine.definitions.deploy import deploy
from engine.models import AuditEvent, ProcessInstance, Task
from tests.conftest import truncate_all

PG_URL = os.environ.get("GREENLOOP_TEST_DATABASE_URL")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(not PG_URL, reason="worker tests on PostgreSQL (SKIP LOCKED, real worker processes): "
                                          "set GREENLOOP_TEST_DATABASE_URL"),
]

DIAGRAM = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn" / "timer_test.bpmn"
INSTANCES = 1000
BATCH = 100  # instances started per transaction
FIRE_AT = "2026-03-02T02:00:00+00:00"
WORKER_NOW = "2026-03-02T02:05:00+00:00"  # the workers' frozen clock: every timer is due
DEPLOYED_AT = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)
DEADLINE_S = 120.0


@pytest.fixture(scope="module")
def pg() -> Database:
    upgrade(PG_URL)
    db = Database(PG_URL)
    truncate_all(db)
    yield db
    truncate_all(db)
    db.dispose()


@pytest.fixture(scope="module")
def due_instances(pg: Database) -> list[int]:
    clock = ManualClock(DEPLOYED_AT)
    runtime = build_runtime(pg, clock, "Asia/Shanghai")
    with pg.write() as session:
        definition, _ = deploy(session, runtime, {"timer_test.bpmn": DIAGRAM.read_text(encoding="utf-8")}, {},
                               process_id="timer_test")
    ids: list[int] = []
    for _ in range(INSTANCES // BATCH):
        with pg.write() as session:
            for _ in range(BATCH):
                ids.append(runtime.start(session, None, {"fire_at": FIRE_AT}, "test",
                                         definition=definition).instance.id)
    with pg.read() as session:
        waiting = session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "running",
            ProcessInstance.next_timer_due == datetime.fromisoformat(FIRE_AT)))
    assert waiting == INSTANCES
    return ids


def _start_worker(tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    env = dict(os.environ, GREENLOOP_DATABASE_URL=PG_URL, GREENLOOP_FAKE_NOW=WORKER_NOW,
               GREENLOOP_DATA_DIR=str(tmp_path / "data"), PGAPPNAME=f"greenloop-test-{name}")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    log = tmp_path / f"{name}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "webapp.cli", "worker", "--poll", "0.2"], cwd=REPO_ROOT,
                                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
    return proc, log


def _fired(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "timer_fired"))


def _still_due(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "running", ProcessInstance.next_timer_due.is_not(None)))


class _Workers:
    """The worker processes of one test run, and a bounded wait on the database."""

    def __init__(self, db: Database, tmp_path: Path, seconds: float):
        self.db = db
        self.tmp_path = tmp_path
        self.deadline = time.monotonic() + seconds
        self.procs: dict[str, tuple[subprocess.Popen, Path]] = {}
        self.killed: set[str] = set()
        self.fired = 0

    def start(self, name: str) -> subprocess.Popen:
        self.procs[name] = _start_worker(self.tmp_path, name)
        return self.procs[name][0]

    def in_transaction(self, name: str) -> bool:
        """Whether the worker's connection is inside a transaction (nearly always: a timer step)."""
        with self.db.engine.connect() as conn:
            return bool(conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :app "
                "AND datname = current_database() AND xact_start IS NOT NULL"), {"app": f"greenloop-test-{name}"}))

    def kill(self, name: str) -> bool:
        """SIGKILL, preferably mid-transaction; returns whether it was."""
        proc = self.procs[name][0]
        assert proc.poll() is None, f"worker {name} stopped by itself:\n{tail(self.procs[name][1])}"
        # Looked for by time rather than a number of tries: on a loaded machine the worker spends
        # longer between steps (loading and saving the workflow outside the transaction).
        mid_transaction = False
        give_up = time.monotonic() + 5.0
        while time.monotonic() < give_up:
            if self.in_transaction(name):
                mid_transaction = True
                break
        self.killed.add(name)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        return mid_transaction

    def wait_for_fired(self, count: int, what: str, all_done: bool = False) -> int:
        while True:
            self.fired = _fired(self.db)
            if self.fired >= count and (not all_done or _still_due(self.db) == 0):
                return self.fired
            for name, (proc, log) in self.procs.items():
                if name not in self.killed and proc.poll() is not None:
                    pytest.fail(f"worker {name} exited ({proc.returncode}) waiting for {what}:\n{tail(log, 15)}")
            if time.monotonic() > self.deadline:
                pytest.fail(f"timed out waiting for {what}: {self.fired} of {INSTANCES} timers fired")
            time.sleep(0.05)

    def stop_all(self) -> None:
        stop_all(proc for proc, _log in self.procs.values())


def test_two_worker_processes_fire_every_timer_once_even_when_one_is_killed(pg, due_instances, tmp_path):
    workers = _Workers(pg, tmp_path, DEADLINE_S)
    try:
        # The victim starts first and alone, so the timers fired before the second worker is up
        # are provably its own: it is killed in the middle of real work, not while idle.
        workers.start("victim")
        by_victim_alone = workers.wait_for_fired(30, "the first worker to fire timers")
        workers.start("survivor")
        # Kill at roughly a third done, while the two share the work.
        workers.wait_for_fired(int(INSTANCES * 0.3), "30% of the timers")
        mid_transaction = workers.kill("victim")
        at_kill = _fired(pg)
        assert mid_transaction, "the victim worker was never seen inside a transaction"
        assert at_kill < INSTANCES, "all timers fired before the kill; the test proved nothing"

        # The survivor alone finishes, including whatever instance the victim held locked.
        workers.wait_for_fired(INSTANCES, "every timer to fire after the kill", all_done=True)
        survivor, log = workers.procs["survivor"]
        assert survivor.poll() is None, f"the surviving worker died:\n{tail(log, 15)}"
    finally:
        workers.stop_all()

    assert by_victim_alone > 0 and at_kill >= INSTANCES * 0.2

    with pg.read() as session:
        per_instance = dict(session.execute(
            select(AuditEvent.instance_id, func.count()).where(AuditEvent.kind == "timer_fired")
            .group_by(AuditEvent.instance_id)).all())
        ready_rows = dict(session.execute(
            select(Task.instance_id, func.count()).where(Task.state == "ready", Task.spec == "tt_task")
            .group_by(Task.instance_id)).all())
        task_rows = session.scalar(select(func.count()).select_from(Task))
        statuses = dict(session.execute(
            select(ProcessInstance.status, func.count()).group_by(ProcessInstance.status)).all())
        pending = session.scalar(select(func.count()).select_from(ProcessInstance)
                                 .where(ProcessInstance.next_timer_due.is_not(None)))

    expected = set(due_instances)
    twice = {i: n for i, n in per_instance.items() if n != 1}
    assert not twice, f"timers fired more than once: {dict(list(twice.items())[:10])}"
    missing = expected - set(per_instance)
    assert not missing, f"{len(missing)} timers never fired, e.g. {sorted(missing)[:10]}"
    assert set(per_instance) == expected
    assert set(ready_rows) == expected and set(ready_rows.values()) == {1}
    assert task_rows == INSTANCES
    assert pending == 0
    assert statuses == {"running": INSTANCES}, f"instance statuses: {statuses}"


def test_an_instance_that_fails_is_parked_and_does_not_hold_up_the_rest(pg):
    """A step that fails with a non-engine error (here PostgreSQL refusing a value a script set)
    must park that instance, not leave it first in line to fail again on every tick."""
    from engine.timers.fire import fire_due

    bad_xml = DIAGRAM.read_text(encoding="utf-8").replace(
        "<bpmn:script>stage_start = fire_at</bpmn:script>",
        '<bpmn:script>stage_start = fire_at\nsupervise_tier = "two"</bpmn:script>').replace(
        'id="timer_test"', 'id="timer_test_bad"')
    clock = ManualClock(DEPLOYED_AT)
    runtime = build_runtime(pg, clock, "Asia/Shanghai")
    with pg.write() as session:
        bad, _ = deploy(session, runtime, {"timer_test_bad.bpmn": bad_xml}, {}, process_id="timer_test_bad")
        good, _ = deploy(session, runtime, {"timer_test.bpmn": DIAGRAM.read_text(encoding="utf-8")}, {},
                         process_id="timer_test")
        # The broken one is due first, so it is the first one every claim would pick.
        bad_id = runtime.start(session, None, {"fire_at": "2026-03-02T01:30:00+00:00"}, "test",
                               definition=bad).instance.id
        good_ids = [runtime.start(session, None, {"fire_at": FIRE_AT}, "test", definition=good).instance.id
                    for _ in range(3)]

    clock.set(datetime.fromisoformat(WORKER_NOW))
    assert fire_due(runtime) == 4
    with pg.read() as session:
        parked = session.get(ProcessInstance, bad_id)
        assert parked.status == "error" and "two" in parked.error
        fired = session.scalars(select(AuditEvent.instance_id).where(
            AuditEvent.kind == "timer_fired", AuditEvent.instance_id.in_(good_ids + [bad_id]))).all()
    assert sorted(fired) == sorted(good_ids)
    assert fire_due(runtime) == 0
