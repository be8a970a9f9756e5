"""Deploying diagrams: validation that names the element, versions, instances staying on theirs."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine.core.errors import DeployError
from engine.definitions.deploy import (
    deploy,
    deploy_shipped,
    latest_definition,
    shipped_files,
    shipped_processes,
)
from engine.models import ProcessDefinition, ProcessInstance


def _deploy(env, bpmn_text=None, dmn=None):
    bpmn, shipped_dmn = shipped_files()
    if bpmn_text is not None:
        bpmn = {"complaint.bpmn": bpmn_text}
    with env.db.write() as s:
        return deploy(s, env.runtime, bpmn, dmn if dmn is not None else shipped_dmn, deployed_by="admin",
                      comment="test")


def _shipped_text():
    return shipped_files()[0]["complaint.bpmn"]


def _problems(excinfo):
    return excinfo.value.problems


def test_redeploying_unchanged_content_keeps_the_version(env):
    definition, created = _deploy(env)
    assert (definition.version, created) == (1, False)


def test_malformed_xml_is_refused_and_nothing_is_stored(env):
    with pytest.raises(DeployError) as err:
        _deploy(env, _shipped_text()[:-200])
    assert "XML" in str(err.value) or "complaint.bpmn" in str(err.value)
    with env.db.read() as s:
        # Only the shipped versions, one per shipped process.
        assert len(list(s.scalars(select(ProcessDefinition)))) == len(shipped_processes())


def test_user_task_without_form_is_refused_naming_the_element(env):
    text = _shipped_text().replace(
        '<spiffworkflow:property name="form" value="review" />', "", 1)
    with pytest.raises(DeployError) as err:
        _deploy(env, text)
    assert ("review", "用户任务没有指定表单 (user task names no form: set property 'form')") in _problems(err)


def test_unknown_form_and_bad_timer_and_forbidden_script_are_each_named(env):
    text = (_shipped_text()
            .replace('name="form" value="feedback"', 'name="form" value="no_such_form"', 1)
            .replace("deadline(handle_from, 60 + extended_days, 48)", "deadline(handle_from, sixty, 48)", 1)
            .replace("<bpmn:script>require_rectified()\nclose_case()</bpmn:script>",
                     "<bpmn:script>import os\nos.system('touch /tmp/pwned')</bpmn:script>", 1))
    with pytest.raises(DeployError) as err:
        _deploy(env, text)
    elements = {element for element, _msg in _problems(err)}
    assert {"feedback", "stage_handle_deadline", "do_close"} <= elements
    messages = dict(_problems(err))
    assert "sixty" in messages["stage_handle_deadline"]
    assert "no_such_form" in messages["feedback"]


def test_dangling_flow_is_refused(env):
    text = _shipped_text().replace('targetRef="stage_feedback"', 'targetRef="nowhere"', 1)
    with pytest.raises(DeployError) as err:
        _deploy(env, text)
    assert any("nowhere" in msg or (el and "handle" in el) for el, msg in _problems(err))


def test_changed_diagram_becomes_version_2_and_running_cases_keep_version_1(env):
    old_case = env.register()
    env.accept_and_assign(old_case)
    assert env.case(old_case).stage_due == datetime(2026, 5, 28, 16, 0, tzinfo=timezone.utc)

    faster = _shipped_text().replace("60 + extended_days", "30 + extended_days")
    definition, created = _deploy(env, faster)
    assert (definition.version, created) == (2, True)
    with env.db.read() as s:
        assert latest_definition(s).version == 2

    new_case = env.register()
    env.accept_and_assign(new_case)
    assert env.case(new_case).stage_due == datetime(2026, 4, 14, 16, 0, tzinfo=timezone.utc)  # 30 working days

    # The old case finishes on version 1, whose handling limit is still 60 days.
    env.complete(old_case, "handle", {"outcome": "extension", "extension_days": 5, "extension_reason": "x"})
    env.complete(old_case, "approve_extension", {"approved": True})
    assert env.case(old_case).stage_due == datetime(2026, 6, 4, 16, 0, tzinfo=timezone.utc)
    with env.db.read() as s:
        versions = {i.case_id: i.definition.version for i in s.scalars(select(ProcessInstance))}
    assert versions == {old_case.id: 1, new_case.id: 2}
    for case in (old_case, new_case):
        env.complete(case, "handle", {"outcome": "done", "findings": "ok"})
        env.complete(case, "feedback", {"reply": "ok", "contact_method": "phone"})
        env.complete(case, "review", {"approved": True})
        env.complete(case, "follow_up", {"satisfaction": "satisfied"})
        assert env.instance(case).status == "completed"


def test_deploying_shipped_diagrams_is_idempotent(env):
    with env.db.write() as s:
        definition, created = deploy_shipped(s, env.runtime)
    assert (definition.version, created) == (1, False)


def test_timer_may_use_variables_the_diagram_sets_itself(env):
    text = _shipped_text().replace(
        "deadline(stage_start, 5, 24)", "deadline(feedback_opened, 5, 24)", 1)
    definition, created = _deploy(env, text)
    assert created and definition.version == 2
