"""Diagram scripts and timer expressions run on a budget (engine/core/scripting.py): an endless
or huge loop is stopped in well under a second with an error naming the element, and the step
changes nothing; deploy refuses a source over the size limit and a timer expression whose trial
evaluation runs past the budget."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from engine.core.errors import DeployError, WorkflowFault
from engine.core.scripting import MAX_SOURCE_CHARS, MAX_STEPS, RestrictedEnvironment, ScriptLimitExceeded
from engine.definitions.deploy import checksum, deploy, shipped_files
from engine.models import ProcessDefinition, Task

TEN_MILLION_STEPS = "i = 0\nwhile i != 10 ** 7:\n    i += 1"
FAST = 0.5  # seconds: the loop above runs for seconds without a budget


@pytest.fixture
def sandbox():
    return RestrictedEnvironment({"double": lambda x: x * 2})


def timed(call) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


# ---------------------------------------------------------------------------- the sandbox


@pytest.mark.parametrize("script", [
    TEN_MILLION_STEPS,
    "while True:\n    pass",
    "total = sum(x for x in range(10 ** 6))",  # a generator: each element is a step
    "rows = [[c for c in range(1000)] for r in range(1000)]",
    "def f(n):\n    return f(n - 1) + f(n - 1) if n else 1\nx = f(40)",  # 2^40 calls, never deep
    "f = lambda n: f(n - 1) + f(n - 1) if n else 1\nx = f(40)",
    # Catching the budget's error does not buy more: the budget stays spent.
    "while True:\n    try:\n        while True:\n            pass\n    except:\n        pass",
    "try:\n    while True:\n        pass\nexcept Exception:\n    pass\nescaped = True",
    # One C call that would take seconds or gigabytes.
    "n = sum(range(10 ** 9))",
    "xs = [0] * 10 ** 9",
    "s = 'x' * 10 ** 9",
    "s = 'x'\ns *= 10 ** 9",
    "big = 10 ** 10 ** 8",
    "big = 1 << 10 ** 9",
])
def test_runaway_scripts_stop_quickly_with_a_clear_error(sandbox, script):
    data = {"n": 1}

    def run():
        with pytest.raises(ScriptLimitExceeded) as stopped:
            sandbox.execute(script, data)
        assert "步上限" in str(stopped.value) or "过大" in str(stopped.value) or "过长" in str(stopped.value)

    # (A script that catches the error may run its straight-line rest, but the evaluation fails
    # all the same, so the step that ran it is rolled back: see the runtime tests below.)
    assert timed(run) < FAST


def test_an_expression_has_the_same_budget(sandbox):
    assert timed(lambda: pytest.raises(ScriptLimitExceeded, sandbox.evaluate,
                                       "len([i for i in range(10 ** 6)])", {})) < FAST
    # Each evaluation starts afresh: a run that spent most of its budget leaves none owing.
    for _ in range(3):
        assert sandbox.evaluate(f"sum(1 for i in range({MAX_STEPS - 10}))", {}) == MAX_STEPS - 10


def test_the_budget_holds_in_a_thread_of_its_own(sandbox):
    outcome = {}

    def worker():
        try:
            sandbox.execute(TEN_MILLION_STEPS, {})
        except ScriptLimitExceeded as err:
            outcome["error"] = err

    thread = threading.Thread(target=worker)
    began = time.perf_counter()
    thread.start()
    thread.join(timeout=5)
    assert not thread.is_alive() and "error" in outcome and time.perf_counter() - began < FAST


def test_ordinary_scripts_are_untouched(sandbox):
    data = {"n": 3, "items": [3, 1, 2]}
    sandbox.execute("total = 0\nfor i in range(n):\n    total += i * 2\nwhile n > 0:\n    n -= 1\n"
                    "ranked = sorted(items, key=lambda v: -v)\nsquares = [v ** 2 for v in items]\n"
                    "label = 'ab' * 3", data)
    assert (data["total"], data["n"], data["ranked"], data["squares"], data["label"]) == \
        (6, 0, [3, 2, 1], [9, 1, 4], "ababab")


# ---------------------------------------------------------------------------- through the runtime


def _store(env, bpmn: dict[str, str]) -> None:
    """A definition stored past deploy's checks (as a diagram deployed before them was)."""
    dmn = shipped_files()[1]
    with env.db.write() as s:
        s.add(ProcessDefinition(process_id="complaint", version=2, bpmn_files=bpmn, dmn_files=dmn,
                                checksum=checksum(bpmn, dmn), deployed_at=env.clock.now()))


def _accept_script_loops() -> dict[str, str]:
    text = shipped_files()[0]["complaint.bpmn"]
    old = "<bpmn:script>if corrected_category:"
    assert old in text
    return {"complaint.bpmn": text.replace(old, "<bpmn:script>" + TEN_MILLION_STEPS + "\nif corrected_category:", 1)}


def test_a_looping_step_fails_fast_naming_the_element_and_changes_nothing(env):
    _store(env, _accept_script_loops())
    case = env.register()
    receive = env.task(case, "receive")
    before = env.instance(case).row_version
    began = time.perf_counter()
    with pytest.raises(WorkflowFault) as fault:
        env.complete(case, "receive", {"decision": "accept"}, actor="intake")
    assert time.perf_counter() - began < 2 * FAST  # the whole step, load and rollback included
    assert fault.value.element == "do_accept" and "步上限" in str(fault.value)
    assert env.instance(case).row_version == before
    assert env.case(case).status == "received"
    assert [t.id for t in env.ready(case)] == [receive.id]
    assert not env.audit(case, "task_completed")


def test_the_web_answers_409_naming_the_element_and_the_task_stays_ready(env, as_user):
    _store(env, _accept_script_loops())
    case = env.register()
    receive = env.task(case, "receive")
    intake = as_user("intake")
    page_url = f"/tasks/{receive.id}"
    intake.get(page_url)
    began = time.perf_counter()
    response = intake.post(page_url, {"decision": "accept", "complete": "1"})
    assert time.perf_counter() - began < 4 * FAST
    assert response.status_code == 409
    assert "do_accept" in response.get_data(as_text=True)
    with env.db.read() as s:
        assert s.get(Task, receive.id).state == "ready"
    assert env.case(case).status == "received"


# ---------------------------------------------------------------------------- deploy


def _deploy_text(env, text: str):
    with env.db.read() as s:
        before = len(list(s.scalars(select(ProcessDefinition))))
    with pytest.raises(DeployError) as refused, env.db.write() as s:
        deploy(s, env.runtime, {"complaint.bpmn": text}, shipped_files()[1])
    with env.db.read() as s:
        assert len(list(s.scalars(select(ProcessDefinition)))) == before  # nothing deployed
    return dict(refused.value.problems)


def test_deploy_refuses_a_timer_expression_that_runs_past_the_budget(env):
    text = shipped_files()[0]["complaint.bpmn"].replace(
        "deadline(stage_start, 1, 2)", f"deadline(stage_start, 1 + 0 * sum(1 for i in range({MAX_STEPS * 2})), 2)", 1)
    began = time.perf_counter()
    problems = _deploy_text(env, text)
    assert time.perf_counter() - began < 5 * FAST  # parsing and checking the whole bundle included
    assert "步上限" in problems["stage_assign_deadline"]


def test_deploy_refuses_a_script_over_the_size_limit_naming_the_element(env):
    text = shipped_files()[0]["complaint.bpmn"].replace(
        'stage = "receive"', 'stage = "receive"\n' + "x = 1\n" * (MAX_SOURCE_CHARS // 6 + 1), 1)
    problems = _deploy_text(env, text)
    assert f"{MAX_SOURCE_CHARS}" in problems["stage_receive_enter"]
