"""Moving running cases to a newer version: dry run with reasons, atomic per instance, audited."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine.definitions.deploy import deploy, shipped_files
from engine.definitions.migration import MigrationRefused, dry_run, migrate
from engine.models import ProcessInstance, Task

# Version 2 renames the feedback task (a case waiting in it cannot move) and gives the
# feedback stage 10 working days instead of 5 (a case that moves gets it).
RENAMES = [('id="feedback"', 'id="reply"'), ('targetRef="feedback"', 'targetRef="reply"'),
           ('sourceRef="feedback"', 'sourceRef="reply"'), ('bpmnElement="feedback"', 'bpmnElement="reply"'),
           ('name="context" value="handle, feedback"', 'name="context" value="handle, reply"'),
           ('name="context" value="feedback"', 'name="context" value="reply"')]


def _v2(env, renames=RENAMES, form="handle"):
    text = shipped_files()[0]["complaint.bpmn"]
    for old, new in renames:
        assert old in text
        text = text.replace(old, new, 1)
    text = text.replace("deadline(stage_start, 5, 24)", "deadline(stage_start, 10, 24)", 1)
    text = text.replace('name="form" value="handle"', f'name="form" value="{form}"', 1)
    with env.db.write() as s:
        definition, _ = deploy(s, env.runtime, {"complaint.bpmn": text}, shipped_files()[1], deployed_by="admin",
                               comment="v2")
        return definition.id


def _v1_id(env):
    with env.db.read() as s:
        return s.scalar(select(ProcessInstance.definition_id).limit(1))


def _handling_and_replying(env):
    """A case waiting in the handling task (it can move) and one waiting in the feedback task,
    which version 2 renames (it cannot)."""
    handling = env.register(title="在办理")
    env.accept_and_assign(handling)
    replying = env.register(title="在反馈")
    env.accept_and_assign(replying)
    env.complete(replying, "handle", {"outcome": "done", "findings": "ok"})
    return handling, replying


def test_dry_run_lists_who_can_move_and_why_not(env):
    handling, replying = _handling_and_replying(env)
    v1 = _v1_id(env)
    v2 = _v2(env)
    with env.db.read() as s:
        checks = {c.case_id: c for c in dry_run(s, v1, v2)}
    assert checks[handling.id].ok
    assert not checks[replying.id].ok
    assert any("feedback" in reason and "不存在" in reason for reason in checks[replying.id].reasons)
    assert checks[replying.id].stage == "feedback"


def test_migration_moves_compatible_cases_which_then_run_on_the_new_version(env):
    handling, replying = _handling_and_replying(env)
    v1 = _v1_id(env)
    due_before = env.case(handling).stage_due
    v2 = _v2(env, form="handle")

    outcome = migrate(env.runtime, v1, v2, actor="admin")
    assert outcome.moved == [env.instance(handling).id]
    assert list(outcome.refused) == [env.instance(replying).id]
    assert env.instance(handling).definition_id == v2
    assert env.instance(replying).definition_id == v1  # untouched
    assert env.case(handling).stage_due == due_before  # a running timer keeps its due time
    [event] = env.audit(handling, "instance_migrated")
    assert (event.actor, event.detail["from_version"], event.detail["to_version"]) == ("admin", 1, 2)
    assert env.audit(replying, "instance_migrated") == []

    # On version 2 the feedback step is "reply", with 10 working days.
    env.complete(handling, "handle", {"outcome": "done", "findings": "ok"})
    assert [t.spec for t in env.ready(handling)] == ["reply"]
    assert env.case(handling).stage_due == datetime(2026, 3, 16, 16, 0, tzinfo=timezone.utc)
    env.complete(handling, "reply", {"reply": "ok", "contact_method": "phone"})
    env.complete(handling, "review", {"approved": True})
    env.complete(handling, "follow_up", {"satisfaction": "satisfied"})
    assert env.instance(handling).status == "completed"


def test_open_task_row_takes_the_new_form(env):
    case = env.register()
    env.accept_and_assign(case)
    v1 = _v1_id(env)
    v2 = _v2(env, renames=[], form="joint_handle")
    assert migrate(env.runtime, v1, v2, actor="admin", instance_ids=[env.instance(case).id]).moved
    with env.db.read() as s:
        row = s.scalars(select(Task).where(Task.case_id == case.id, Task.state == "ready")).one()
    assert (row.spec, row.form) == ("handle", "joint_handle")


def test_selected_instances_only_and_only_to_newer_versions(env):
    one, two = env.register(), env.register()
    v1 = _v1_id(env)
    v2 = _v2(env)
    outcome = migrate(env.runtime, v1, v2, actor="admin", instance_ids=[env.instance(two).id])
    assert outcome.moved == [env.instance(two).id]
    assert env.instance(one).definition_id == v1
    with pytest.raises(MigrationRefused):
        migrate(env.runtime, v2, v1, actor="admin")
