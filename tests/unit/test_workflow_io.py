"""Storing a running workflow without its spec and loading it back (engine/core/workflow_io.py),
on tests/fixtures/bpmn/projection.bpmn: sub-processes, a call activity, timers and task data."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine.core.projection import next_timer_due, stage_timers, timer_due, waiting_timers
from engine.core.scripting import make_script_engine
from engine.core.workflow_io import SERIALIZER, dump, load
from tests.unit.spiff import bundle, complete, ready, start

DATA = {"handle_warn": "2026-03-04T16:00:00+00:00", "handle_due": "2026-03-06T16:00:00+00:00",
        "escalate_at": "2026-03-05T16:00:00+00:00", "escalate_to": 2}


@pytest.fixture
def workflow(clock):
    workflow = start("projection.bpmn", "projection", DATA)
    complete(workflow, "review", {"comment": "同意"})
    return workflow


def _load(state: str, helpers: dict | None = None):
    return load(state, bundle("projection.bpmn", "projection"), make_script_engine(helpers or {}))


def _snapshot(workflow) -> dict:
    return {t.id: (t.task_spec.name, t.state, t.data, t.parent.id if t.parent else None)
            for t in workflow.get_tasks()}


def test_a_round_trip_keeps_tasks_data_and_waiting_timers(workflow):
    loaded = _load(dump(workflow))
    assert _snapshot(loaded) == _snapshot(workflow)
    assert set(loaded.subprocesses) == set(workflow.subprocesses)
    assert loaded.data == workflow.data
    assert {t.id: timer_due(t) for t in waiting_timers(loaded)} == {t.id: timer_due(t) for t in waiting_timers(workflow)}
    assert len(waiting_timers(loaded)) == 3
    assert sorted(map(sorted, stage_timers(loaded).values())) == [["deadline", "warning"], ["escalation"]]
    assert next_timer_due(loaded) == next_timer_due(workflow)
    # And dumping again gives the same state.
    assert json.loads(dump(loaded)) == json.loads(dump(workflow))


def test_a_loaded_workflow_runs_on_timers_and_all(workflow, clock):
    loaded = _load(dump(workflow))
    clock.advance(days=5)  # past every timer
    loaded.refresh_timers()
    loaded.do_engine_steps()
    assert waiting_timers(loaded) == []
    complete(loaded, "handle")
    complete(loaded, "supervise")
    assert loaded.completed


def test_the_stored_state_holds_no_spec(workflow):
    state = dump(workflow)
    stored = json.loads(state)
    assert "spec" not in stored and "subprocess_specs" not in stored
    assert "task_specs" not in state  # no spec is serialized anywhere, sub-processes included
    # Sub-processes name their spec; the parsed one is attached on load.
    assert sorted(sub["spec"] for sub in stored["subprocesses"].values()) == ["proj_stage", "proj_supervision"]
    with_spec = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG)).serialize_json(workflow)
    assert len(state) < len(with_spec) * 0.7


def test_loading_attaches_the_given_bundle_specs(workflow):
    parsed = bundle("projection.bpmn", "projection")
    loaded = load(dump(workflow), parsed, make_script_engine({}))
    assert loaded.spec is parsed.spec
    assert loaded.subprocess_specs is parsed.subprocess_specs
    [handle] = ready(loaded, "handle")
    assert handle.task_spec is parsed.subprocess_specs["proj_stage"].task_specs["handle"]


def test_loading_past_load_is_refused(workflow):
    with pytest.raises(RuntimeError, match="through workflow_io.load"):
        SERIALIZER.deserialize_json(dump(workflow))


def test_the_script_engine_is_attached_on_load(workflow):
    engine = make_script_engine({"triple": lambda x: 3 * x})
    loaded = load(dump(workflow), bundle("projection.bpmn", "projection"), engine)
    assert loaded.script_engine is engine
    # Sub-workflows run their scripts in the top workflow's engine.
    assert all(sub.script_engine is engine for sub in loaded.subprocesses.values())
    [supervise] = ready(loaded, "supervise")
    assert loaded.script_engine.evaluate(supervise, "triple(supervise_tier)") == 6


def test_a_state_loads_the_same_twice(workflow):
    state = dump(workflow)
    first, second = _load(state), _load(state)
    assert _snapshot(first) == _snapshot(second)
    complete(first, "handle")
    assert ready(second, "handle"), "loaded workflows share no task objects"


def test_timers_keep_their_due_moment_not_their_expression(workflow, clock):
    # The due moment was fixed when the timer started; a later change to the data it was
    # computed from does not move it.
    loaded = _load(dump(workflow))
    for task in loaded.get_tasks():
        task.data["handle_due"] = "2026-03-02T03:00:00+00:00"
    clock.advance(timedelta(hours=2))
    loaded.refresh_timers()
    loaded.do_engine_steps()
    assert {t.task_spec.bpmn_id for t in waiting_timers(loaded)} == {"stage_warning", "stage_deadline", "sup_next"}


def test_a_kept_workflow_is_taken_once_for_its_exact_state(workflow):
    from engine.core.workflow_io import keep

    state = dump(workflow)
    keep(state, workflow)
    engine = make_script_engine({})
    taken = load(state, bundle("projection.bpmn", "projection"), engine)
    assert taken is workflow and taken.script_engine is engine
    again = _load(state)
    assert again is not workflow, "taking removes it: a step that changed it must not hand it out again"
    assert _snapshot(again) == _snapshot(workflow)


def test_a_kept_workflow_is_not_taken_for_another_state_or_other_specs(workflow):
    from engine.core.workflow_io import keep

    state = dump(workflow)
    keep(state, workflow)
    workflow.script_engine = make_script_engine({})
    complete(workflow, "handle")  # changed after it was kept: its state is no longer the kept one
    assert _load(dump(workflow)) is not workflow
    other = start("projection.bpmn", "projection", DATA)
    other_state = dump(other)
    keep(other_state, other)
    reparsed = bundle.__wrapped__("projection.bpmn", "projection")  # a version parsed again
    assert load(other_state, reparsed, make_script_engine({})) is not other


def test_kept_workflows_are_bounded(workflow, monkeypatch):
    from engine.core import workflow_io

    monkeypatch.setattr(workflow_io, "KEPT_MAX", 2)
    states = []
    for _ in range(3):
        wf = start("projection.bpmn", "projection", DATA)
        states.append(dump(wf))
        workflow_io.keep(states[-1], wf)
    assert len(workflow_io._kept) == 2 and states[0] not in workflow_io._kept
