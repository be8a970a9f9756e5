"""A grid officer's report (channel grid) enters the complaint process already accepted and
assigned by the routing table (workflows/bpmn/complaint.bpmn: gw_channel, gw_routed); a report
the table sends elsewhere, or any other channel, still goes through 受理 and 交办."""
from __future__ import annotations

from engine.models import Department


def _grid_report(env, **overrides):
    data = {"channel": "grid", "category": "water", "title": "河道排污口排放黑水", "description": "巡查发现",
            "grid_code": "T01-A01-V01", "subject_type": "enterprise", "latitude": 30.1, "longitude": 120.2}
    data.update(overrides)
    return env.register(**data)


def test_a_grid_report_arrives_accepted_and_assigned_to_the_routed_department(env):
    case = _grid_report(env)
    assert [t.spec for t in env.ready(case)] == ["handle"]
    row = env.case(case)
    assert row.status == "handling" and row.accepted_at is not None and row.stage == "handle"
    [assigned] = env.audit(case, "assigned")
    with env.db.read() as s:
        department = s.get(Department, row.department_id)
    assert assigned.detail["department"] == department.code
    assert [e.kind for e in env.audit(case) if e.kind in ("accepted", "assigned", "task_completed")] == \
        ["accepted", "assigned"]  # no 受理 or 交办 task was completed
    env.complete(case, "handle", {"outcome": "done", "findings": "已责令封堵排污口", "check_method": "on_site"})
    assert [t.spec for t in env.ready(case)] == ["feedback"]


def test_a_report_the_table_transfers_still_waits_for_the_intake_clerk(env):
    case = _grid_report(env, category="noise", subject_type="residential")  # 社会生活噪声归公安 (transfer)
    assert [t.spec for t in env.ready(case)] == ["assign"]
    assert env.case(case).status == "accepted"


def test_other_channels_still_start_with_acceptance(env):
    case = env.register()
    assert [t.spec for t in env.ready(case)] == ["receive"]
    assert env.case(case).status == "received"
