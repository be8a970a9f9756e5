"""What the task rows should say, worked out without a database (engine/core/projection.py):
colours, limits, tiers and the timers a workflow waits on, on tests/fixtures/bpmn/projection.bpmn."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from SpiffWorkflow.util.task import TaskState

from engine.core import projection
from engine.core.projection import case_stage_limits, colour, first_limits, project, stage_timers, task_tier
from engine.models import Case, Task
from tests.unit.spiff import complete, ready, start


def utc(d, h=0):
    return datetime(2026, 3, d, h, tzinfo=timezone.utc)


WARN, ESCALATE, DUE = utc(4, 16), utc(5, 16), utc(6, 16)
DATA = {"handle_warn": WARN.isoformat(), "handle_due": DUE.isoformat(),
        "escalate_at": ESCALATE.isoformat(), "escalate_to": 2}


@pytest.fixture
def workflow(clock):
    return start("projection.bpmn", "projection", DATA)


def _case(**fields) -> Case:
    values = {"stage": "handle", "colour": "blue", "tier": 1}
    values.update(fields)
    return Case(**values)


def _by_spec(result) -> dict:
    return {values.spec: values for values in result.ready.values()}


# ---------------------------------------------------------------- colour

NOW = utc(5, 12)


@pytest.mark.parametrize(("stage", "due", "warn", "case", "expected"), [
    ("handle", None, None, None, "blue"),
    ("handle", utc(9), utc(8), None, "blue"),
    ("handle", utc(9), utc(5), None, "yellow"),
    ("handle", utc(9), NOW, None, "yellow"),  # the warning moment itself is yellow
    ("handle", NOW, utc(4), None, "red"),  # so is the deadline moment red
    ("handle", utc(4), None, None, "red"),
    # A supervision task is red from the start: it exists because a deadline passed.
    ("supervise", None, None, None, "red"),
    ("supervise", utc(9), utc(8), None, "red"),
    # A red case colours the tasks of its current stage, not the others.
    ("handle", utc(9), utc(8), ("red", "handle"), "red"),
    ("review", utc(9), utc(8), ("red", "handle"), "blue"),
    ("review", utc(9), utc(5), ("red", "handle"), "yellow"),
    ("handle", utc(9), utc(8), ("yellow", "handle"), "blue"),
])
def test_colour(stage, due, warn, case, expected):
    case_colour, case_stage = case or (None, None)
    assert colour(stage, due, warn, NOW, case_colour, case_stage) == expected


# ---------------------------------------------------------------- tier and first limits

@pytest.mark.parametrize(("data", "props", "case_tier", "expected"), [
    ({"supervise_tier": 2}, {"tier": "3"}, 1, 2),  # the tier a supervision was raised to
    ({}, {"tier": "3"}, 1, 3),  # the tier the element names
    ({}, {}, 1, 1),  # else the case's
    ({}, {"tier": ""}, 4, 4),
    ({}, {"tier": "county"}, 4, 4),  # a tier that is no number is ignored
    ({}, {}, None, None),
])
def test_task_tier(data, props, case_tier, expected):
    assert task_tier(data, props, case_tier) == expected


def test_a_new_task_takes_its_own_timers_then_the_case_stage_limits():
    stage = (utc(9), utc(8))
    assert first_limits({"deadline": DUE, "warning": WARN}, stage) == (DUE, WARN)
    # A supervision task's limit is its escalation timer.
    assert first_limits({"escalation": ESCALATE}, stage) == (ESCALATE, None)
    assert first_limits({"deadline": DUE, "escalation": ESCALATE}, None) == (DUE, None)
    # No deadline of its own: the stage's limits, both of them, when it is in the case's stage.
    assert first_limits({"warning": WARN}, stage) == stage
    assert first_limits({}, stage) == stage
    assert first_limits({"warning": WARN}, None) == (None, WARN)
    assert first_limits({}, None) == (None, None)


def test_case_stage_limits_ignore_escalation_timers():
    stage, supervision = object(), object()
    timers = {stage: {"warning": WARN, "deadline": DUE}, supervision: {"escalation": ESCALATE}}
    assert case_stage_limits(timers) == {"warning": WARN, "deadline": DUE}
    assert case_stage_limits({supervision: {"escalation": ESCALATE}}) == {}


# ---------------------------------------------------------------- timers of a real workflow

def test_timers_are_grouped_by_the_sub_process_they_wait_in(workflow):
    timers = stage_timers(workflow)
    [handle] = ready(workflow, "handle")
    [supervise] = ready(workflow, "supervise")
    assert handle.workflow is not supervise.workflow
    assert timers == {handle.workflow: {"warning": WARN, "deadline": DUE},
                      supervise.workflow: {"escalation": ESCALATE}}


def test_next_timer_due_is_the_earliest_waiting_timer(workflow, clock):
    assert projection.next_timer_due(workflow) == WARN
    clock.set(WARN + timedelta(minutes=1))
    workflow.refresh_timers()
    workflow.do_engine_steps()
    assert projection.next_timer_due(workflow) == ESCALATE
    assert {t.task_spec.bpmn_id for t in projection.waiting_timers(workflow)} == {"stage_deadline", "sup_next"}
    complete(workflow, "supervise")
    assert projection.next_timer_due(workflow) == DUE
    complete(workflow, "handle")
    complete(workflow, "review")
    assert workflow.completed
    assert projection.next_timer_due(workflow) is None


# ---------------------------------------------------------------- the rows

def test_new_rows(workflow):
    result = project(workflow, _case(stage="review", department_id=7), utc(2, 2))
    rows = _by_spec(result)
    assert set(rows) == {"handle", "supervise", "review"}
    handle, supervise, review = rows["handle"], rows["supervise"], rows["review"]
    assert (handle.name, handle.form, handle.stage, handle.candidate_group) == ("办理", "handle", "handle", "handler")
    assert (handle.due_at, handle.warn_at, handle.tier, handle.colour) == (DUE, WARN, 1, "blue")
    assert (handle.case_department, handle.joint_department) == (True, None)
    assert (supervise.stage, supervise.candidate_group, supervise.case_department) == ("supervise", "supervisor", False)
    assert (supervise.due_at, supervise.warn_at, supervise.tier, supervise.colour) == (ESCALATE, None, 2, "red")
    # No timer of its own, in the case's stage: the stage limits found among the timers.
    assert (review.candidate_group, review.case_department) == ("lead", True)
    assert (review.due_at, review.warn_at, review.tier, review.colour) == (DUE, WARN, 3, "blue")
    assert (result.stage_due, result.stage_warn, result.next_timer_due) == (DUE, WARN, WARN)


def test_a_task_outside_the_case_stage_gets_no_limit(workflow):
    review = _by_spec(project(workflow, _case(stage="handle"), utc(2, 2)))["review"]
    assert (review.due_at, review.warn_at) == (None, None)


def test_without_a_case(workflow):
    rows = _by_spec(project(workflow, None, utc(2, 2)))
    assert {spec: (v.tier, v.due_at) for spec, v in rows.items()} == {
        "handle": (None, DUE), "supervise": (2, ESCALATE), "review": (3, None)}


def test_colours_follow_the_moment_and_the_case(workflow):
    assert {s: v.colour for s, v in _by_spec(project(workflow, _case(), WARN)).items()} == {
        "handle": "yellow", "supervise": "red", "review": "blue"}
    assert {s: v.colour for s, v in _by_spec(project(workflow, _case(), DUE)).items()} == {
        "handle": "red", "supervise": "red", "review": "blue"}
    assert {s: v.colour for s, v in _by_spec(project(workflow, _case(colour="red"), utc(2, 2))).items()} == {
        "handle": "red", "supervise": "red", "review": "blue"}


def test_an_existing_row_keeps_its_limits_and_identity(workflow):
    [handle] = ready(workflow, "handle")
    kept = Task(spec="handle", name="办理（旧）", form="handle_v1", stage="handle", candidate_group="handler",
                due_at=utc(3, 16), warn_at=utc(3, 8))
    values = project(workflow, _case(), utc(3, 10), {str(handle.id): kept}).ready[str(handle.id)]
    assert (values.due_at, values.warn_at) == (utc(3, 16), utc(3, 8))
    assert (values.name, values.form) == ("办理（旧）", "handle_v1")
    # Its colour is measured against the limits it keeps, not the timers waiting now.
    assert values.colour == "yellow"


def test_the_case_stage_limits_are_kept_when_no_stage_timer_waits(workflow):
    complete(workflow, "handle")  # the stage's terminate end cancels its timers
    case = _case(stage="review", stage_due=utc(20), stage_warn=utc(19))
    result = project(workflow, case, utc(2, 2))
    assert (result.stage_due, result.stage_warn) == (None, None)  # nothing to change on the case
    review = _by_spec(result)["review"]
    assert (review.due_at, review.warn_at) == (utc(20), utc(19))


def test_a_joint_handling_task_names_its_department(workflow):
    [review] = ready(workflow, "review")
    review.set_data(joint_department="water")
    rows = _by_spec(project(workflow, _case(), utc(2, 2)))
    assert rows["review"].joint_department == "water"
    assert rows["handle"].joint_department is None


def test_only_ready_user_tasks_become_rows(workflow):
    result = project(workflow, _case(), utc(2, 2))
    assert set(result.ready) == {str(t.id) for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    complete(workflow, "review")
    assert "review" not in _by_spec(project(workflow, _case(), utc(2, 2)))
