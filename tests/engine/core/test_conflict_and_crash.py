"""A task completed twice, and a step that fails half-way: nothing is overwritten or half-applied."""
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text

from engine.core import projection
from engine.core.errors import TaskConflict, WorkflowFault
from engine.models import AuditEvent, Case, ProcessInstance, Task
from engine.work.tasks import complete_task


def test_second_completion_gets_a_conflict_naming_the_winner(env):
    case = env.register()
    task = env.task(case, "receive")
    env.run(complete_task, task.id, {"decision": "accept"}, "wangfang")
    with pytest.raises(TaskConflict) as err:
        env.run(complete_task, task.id, {"decision": "reject", "reason": "重复"}, "lisi")
    assert err.value.completed_by == "wangfang"
    assert "wangfang" in str(err.value)
    assert env.case(case).status == "accepted"
    assert [t.spec for t in env.ready(case)] == ["assign"]


def test_two_sessions_racing_for_one_task_exactly_one_wins(env):
    case = env.register()
    task = env.task(case, "receive")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def attempt(actor, data):
        barrier.wait()
        try:
            env.run(complete_task, task.id, data, actor)
            outcomes[actor] = "won"
        except TaskConflict as err:
            outcomes[actor] = err

    threads = [threading.Thread(target=attempt, args=("alice", {"decision": "accept"})),
               threading.Thread(target=attempt, args=("bob", {"decision": "reject", "reason": "不受理"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    winners = [a for a, o in outcomes.items() if o == "won"]
    assert len(winners) == 1, outcomes
    loser = ({"alice", "bob"} - set(winners)).pop()
    assert outcomes[loser].completed_by == winners[0]
    completions = [e for e in env.audit(case, "task_completed") if e.task_id == task.id]
    assert [e.actor for e in completions] == winners
    assert env.case(case).status == ("rejected" if winners == ["bob"] else "accepted")


def _snapshot(env, case):
    with env.db.read() as s:
        inst = s.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case.id)).one()
        tasks = sorted((t.id, t.state, t.completed_by, t.colour) for t in
                       s.scalars(select(Task).where(Task.case_id == case.id)))
        audit = s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.case_id == case.id))
        c = s.get(Case, case.id)
        return (inst.state, inst.row_version, inst.next_timer_due, tuple(tasks), audit,
                c.status, c.stage, c.colour, c.tier, c.accepted_at, c.stage_due)


def test_exception_in_the_middle_of_a_step_leaves_everything_as_before(env, monkeypatch):
    case = env.register()
    before = _snapshot(env, case)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full while projecting tasks")

    # The workflow has advanced and the case row was changed by the accept script when this
    # fails: all of it must roll back.
    monkeypatch.setattr(projection, "sync", explode)
    with pytest.raises(RuntimeError):
        env.complete(case, "receive", {"decision": "accept"})
    monkeypatch.undo()
    assert _snapshot(env, case) == before
    env.complete(case, "receive", {"decision": "accept"})
    assert env.case(case).status == "accepted"


def test_timer_step_failure_parks_the_instance_with_a_visible_error(env, monkeypatch):
    case = env.register()
    original = env.runtime.bindings.functions

    def failing_functions(ctx):
        table = dict(original(ctx))

        def broken(stage):
            raise WorkflowFault("通知服务不可用 (notification service down)")

        table["mark_warning"] = broken
        return table

    monkeypatch.setattr(env.runtime, "bindings", replace(env.runtime.bindings, functions=failing_functions))
    before = _snapshot(env, case)
    assert env.at("2026-03-18T16:00:01+00:00") == 1
    after = _snapshot(env, case)
    assert after[:4] == before[:4]  # state, version, timer and tasks untouched
    inst = env.instance(case)
    assert inst.status == "error" and "notification service down" in inst.error
    assert env.audit(case, "error")[0].detail["message"].endswith("(notification service down)")
    # A parked instance is not claimed again and again.
    assert env.at("2026-03-18T16:00:02+00:00") == 0


def test_claim_is_exclusive_and_release_frees_the_task(env):
    from engine.work.tasks import claim_task, release_task

    case = env.register()
    task = env.task(case, "receive")
    env.run(claim_task, task.id, 1, "intake")
    with pytest.raises(TaskConflict):
        env.run(claim_task, task.id, 2, "other")
    env.run(release_task, task.id, 2, "other")  # not theirs: no effect
    assert env.task(case, "receive").assignee_id == 1
    env.run(release_task, task.id, 1, "intake")
    env.run(claim_task, task.id, 2, "other")
    assert env.task(case, "receive").assignee_id == 2
    assert [e.kind for e in env.audit(case) if e.kind.startswith("task_c") or e.kind == "task_released"] == [
        "task_claimed", "task_released", "task_claimed"]


def test_concurrent_registrations_get_distinct_numbers(env):
    numbers = []
    errors = []

    def register():
        try:
            numbers.append(env.register().number)
        except Exception as err:  # noqa: BLE001 - the assertion below reports it
            errors.append(err)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(set(numbers)) == 6


def test_a_completion_that_waited_for_the_lock_sees_the_case_the_previous_step_left(env, monkeypatch):
    """The step holding the instance changes the case and commits while another completion waits
    for that instance: the waiting step must start from the case as committed, not as it was when
    its locking statement began (engine/core/runtime.py lock_instance_and_case)."""
    case = env.register()
    task = env.task(case, "receive")
    seen: list[str] = []
    original_step = env.runtime.step

    def watching_step(session, instance, case_row, *args, **kwargs):
        seen.append(case_row.title)
        return original_step(session, instance, case_row, *args, **kwargs)

    monkeypatch.setattr(env.runtime, "step", watching_step)
    holding = threading.Event()
    release = threading.Event()

    def hold_instance_and_change_case():
        with env.db.write() as session:
            instance = env.runtime.lock_instance(session, task.instance_id)
            session.get(Case, instance.case_id).title = "标题已由上一步修改"
            session.flush()
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold_instance_and_change_case)
    holder.start()
    assert holding.wait(30)
    completer = threading.Thread(target=lambda: env.run(complete_task, task.id, {"decision": "accept"}, "wangfang"))
    completer.start()
    _wait_until_a_session_waits_for_a_lock(env)
    release.set()
    holder.join(30)
    completer.join(60)
    assert seen == ["标题已由上一步修改"]
    assert env.case(case).status == "accepted"


def _wait_until_a_session_waits_for_a_lock(env, timeout: float = 30.0) -> None:
    """On PostgreSQL, until the completion is seen queued behind the holder's row lock. SQLite
    serializes whole write transactions, so the completion cannot read before the commit there."""
    if not env.db.is_postgres:
        return
    deadline = time.monotonic() + timeout
    with env.db.engine.connect() as conn:
        while time.monotonic() < deadline:
            if conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                return
            conn.rollback()
            time.sleep(0.01)
    raise AssertionError("the completion never waited for the instance's lock")
