"""Cases sent back many times keep working; a history too deep fails loudly, never silently."""
import pytest

from engine.core import runtime as runtime_module
from engine.core.errors import WorkflowFault
from engine.core.runtime import tree_depth
from engine.work.tasks import task_data


def _loop_once(env, case, n):
    env.complete(case, "handle", {"outcome": "done", "findings": f"第{n}次办理"})
    env.complete(case, "feedback", {"reply": f"第{n}次答复", "contact_method": "phone"})
    env.complete(case, "review", {"approved": False, "comment": f"第{n}次退回"})


def _depth(env, case):
    from engine.core.specs import bundle_for
    from engine.core.workflow_io import load
    from engine.models import ProcessInstance

    with env.db.read() as s:
        inst = s.get(ProcessInstance, env.instance(case).id)
        return tree_depth(load(inst.state, bundle_for(inst.definition), None))


def test_a_case_sent_back_100_times_still_advances(env):
    case = env.register()
    env.accept_and_assign(case)
    for n in range(1, 51):
        _loop_once(env, case, n)
    for n in range(51, 101):
        # Alternate the other loop: return to assignment and re-assign.
        env.return_to_intake(case, f"第{n}次退单")
        env.complete(case, "assign", {"action": "assign", "department": "air"})
    assert len(env.audit(case, "review_rejected")) == 50
    assert len(env.audit(case, "returned")) == 50
    depth = _depth(env, case)
    # Finished history is cut from the tree, so loops do not deepen it towards the limit.
    assert depth < 100
    # The data the last pass sees is its own, not a stale value from an earlier loop.
    handle = env.task(case, "handle")
    assert env.run(task_data, handle.id)["return_reason"] == "第100次退单"
    env.complete(case, "handle", {"outcome": "done", "findings": "终于办结"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})
    env.complete(case, "follow_up", {"satisfaction": "basically_satisfied"})
    c = env.case(case)
    assert (c.status, c.satisfaction) == ("closed", "basically_satisfied")
    assert env.instance(case).status == "completed"
    # The stored state stays small: finished stages are pruned from the serialized workflow.
    assert len(env.instance(case).state) < 60_000


def test_history_too_deep_is_refused_with_a_clear_error_and_changes_nothing(env, monkeypatch):
    case = env.register()
    env.accept_and_assign(case)
    depth = _depth(env, case)
    monkeypatch.setattr(runtime_module, "MAX_TREE_DEPTH", depth + 2)
    before = (env.instance(case).state, [t.id for t in env.ready(case)])
    with pytest.raises(WorkflowFault, match="history too deep"):
        _loop_once(env, case, 1)
    assert (env.instance(case).state, [t.id for t in env.ready(case)]) == before
