"""The demo's random inspection: a plan drawn on the demo register, every inspection worked to its
result (one violation at the enforcement hook), published, and the recorded draw verified."""
from sqlalchemy import select

from engine.enterprises.sample import seed_positive_list, seed_register
from engine.inspections import recording, results
from engine.inspections.sample import seed_random_inspection
from engine.models.inspection import Inspection, InspectionPlan


def test_the_demo_draw_is_completed_published_and_verifies(env):
    env.run(seed_register, count=120)
    env.run(seed_positive_list, count=4)
    made = env.run(seed_random_inspection)
    assert made > 0 and env.run(seed_random_inspection) == 0  # once
    with env.db.read() as s:
        plan = s.scalars(select(InspectionPlan)).one()
        rows = list(s.scalars(select(Inspection)))
        assert plan.status == "published" and recording.verify_recorded(s, plan.id) == []
        assert all(r.step == "done" and r.result for r in rows)
        assert {"compliant", "rectified", "violation"} <= {r.result for r in rows}
        public = results.public_plan(s, plan.id)
        assert len(public.results) == made and all(r.summary for r in public.results)
