"""The plan's draw as recorded: the public value first (the seed), then the draw on the register
and pool, stored whole; one inspection per drawn object; the recorded draw verified from the
database, and a tampered one refused."""
import pytest
from sqlalchemy import select

from engine.core.errors import AdminError
from engine.inspections import draw as pure
from engine.inspections import recording
from engine.models import AuditEvent
from engine.models.inspection import Inspection, InspectionPlan
from tests.engine.inspections.conftest import list_enterprise, make_plan, ready


def plan_row(env, plan_id):
    with env.db.read() as s:
        return s.get(InspectionPlan, plan_id)


def drawn_plan(env, people, **overrides):
    plan = make_plan(env, people, **overrides)
    env.run(recording.fix_seed, plan.id, "上证指数 2026-03-02 收盘 3312.45", "上海证券交易所", "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    return plan_row(env, plan.id)


def test_the_seed_is_fixed_before_the_draw_and_the_draw_is_recorded(env, county):
    ids, people = county
    list_enterprise(env, ids[0])  # a listed key enterprise: left out
    plan = make_plan(env, people)
    assert plan.rates == {"key": "1/4", "general": "1/20"} and plan.status == "draft"
    with pytest.raises(AdminError):  # no draw before the public value is recorded
        env.run(recording.run_draw, plan.id, "supervisor")
    env.run(recording.fix_seed, plan.id, "3312.45", None, "supervisor")
    row = plan_row(env, plan.id)
    assert row.status == "seeded" and row.seed == pure.seed_for("3312.45", plan.id)
    with pytest.raises(AdminError):  # the seed cannot be chosen again
        env.run(recording.fix_seed, plan.id, "3400.00", None, "supervisor")
    env.run(recording.run_draw, plan.id, "supervisor")
    row = plan_row(env, plan.id)
    assert row.status == "drawn" and row.digest == row.draw_document["digest"]
    result = row.draw_document["result"]
    # 7 eligible key enterprises (one listed) → ceil(7/4) = 2; 20 general → 1.
    assert result["quotas"] == {"general": {"eligible": 20, "drawn": 1}, "key": {"eligible": 7, "drawn": 2}}
    objects = {o["id"]: o for o in row.draw_document["inputs"]["objects"]}
    assert objects[ids[0]]["listed"] is True
    assert ids[0] not in {p["object"] for p in result["pairings"]}
    with env.db.read() as s:
        inspections = list(s.scalars(select(Inspection).where(Inspection.plan_id == plan.id)))
        assert len(inspections) == 3 and all(i.instance_id for i in inspections)
        assert not pure.verify(row.draw_document)
        assert recording.verify_recorded(s, plan.id) == []
        kinds = [e.kind for e in s.scalars(select(AuditEvent).where(AuditEvent.kind.like("inspection_%"))
                                           .order_by(AuditEvent.id))]
        assert kinds[:2] == ["inspection_seed_fixed", "inspection_drawn"]
        assert kinds.count("inspection_started") == 3
    # Avoidance: nobody of the enterprise's own town; a bureau inspector in every pair (no joint draw).
    towns = {people["t01"]: "T01", people["t02"]: "T02"}
    for pairing in result["pairings"]:
        assert len(pairing["inspectors"]) == 2 and people["water"] not in pairing["inspectors"]
        assert all(towns.get(i) != objects[pairing["object"]]["grid"] for i in pairing["inspectors"])
    assert len(ready(env, "ins_notify")) == 3


def test_last_inspectors_are_avoided_in_the_next_plan(env, county):
    _ids, people = county
    first = drawn_plan(env, people)
    second = drawn_plan(env, people, name="2026年度第二批")
    last = {p["object"]: set(p["inspectors"]) for p in first.draw_document["result"]["pairings"]}
    objects = {o["id"]: o for o in second.draw_document["inputs"]["objects"]}
    for object_id, inspectors in last.items():
        assert set(objects[object_id]["last_inspectors"]) == inspectors
    for pairing in second.draw_document["result"]["pairings"]:
        assert not set(pairing["inspectors"]) & last.get(pairing["object"], set())


def test_a_joint_draw_takes_other_departments_people_but_keeps_a_bureau_inspector(env, county):
    _ids, people = county
    plan = drawn_plan(env, people, joint=True, rate_general="100", name="联合抽查")
    pool = {i["id"]: i for i in plan.draw_document["inputs"]["inspectors"]}
    assert pool[people["water"]]["bureau"] is False
    pairs = plan.draw_document["result"]["pairings"]
    assert any(people["water"] in p["inspectors"] for p in pairs)
    assert all(any(pool[i]["bureau"] for i in p["inspectors"]) for p in pairs)


def test_a_tampered_record_is_not_verified(env, county):
    _ids, people = county
    plan = drawn_plan(env, people)

    def tamper_result(s, _rt):
        row = s.get(InspectionPlan, plan.id)
        document = {**row.draw_document}
        result = {**document["result"]}
        first = dict(result["pairings"][0])
        first["inspectors"] = list(reversed(first["inspectors"]))
        result["pairings"] = [first, *result["pairings"][1:]]
        row.draw_document = {**document, "result": result}

    env.run(tamper_result)
    with env.db.read() as s:
        problems = recording.verify_recorded(s, plan.id)
    assert any("fingerprint" in p for p in problems) and any("another result" in p for p in problems)

    def tamper_value(s, _rt):
        s.get(InspectionPlan, plan.id).public_value = "3999.99"

    env.run(tamper_value)
    with env.db.read() as s:
        assert any("public value" in p for p in recording.verify_recorded(s, plan.id))


def test_a_plan_is_checked_and_frozen_once_seeded(env, county):
    _ids, people = county
    with pytest.raises(AdminError) as info:
        make_plan(env, people, rate_key="120", per_object="2", bureau_min="3")
    assert {"rate_key", "bureau_min"} <= set(info.value.problems)
    plan = make_plan(env, people)
    env.run(recording.fix_seed, plan.id, "3312.45", None, "supervisor")
    from engine.inspections import plans
    with pytest.raises(AdminError):
        env.run(lambda s, _rt: plans.save_plan(s, plan.id, {"year": 2026, "name": "x", "rate_key": "50"}, "admin",
                                               env.clock.now()))
    assert plan_row(env, plan.id).rates == {"key": "1/4", "general": "1/20"}
