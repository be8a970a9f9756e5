"""Re-inspection after closure (后督察): a draw reproducible from its recorded seed, flagged cases
always drawn, the supervisor's result N working days after closure (the real worker,
engine/timers/fire.py, on a ManualClock), and a relapse reopening the case for its department."""
from datetime import datetime, timezone

from sqlalchemy import select

from engine.models import CaseFlag, ProcessDefinition, ProcessInstance
from engine.models.reinspection import ReinspectionDraw
from engine.reinspection.sampling import draw, redraw, sample
from tests.engine.cases.test_recurrence import closed_case

FROM = datetime(2026, 3, 1, tzinfo=timezone.utc)
TO = datetime(2026, 4, 1, tzinfo=timezone.utc)


def test_sampling_is_a_pure_function_of_seed_candidates_and_share():
    ids = list(range(1, 41))
    first = sample(ids, {3, 7}, 0.25, seed=20260302)
    assert first == sample(ids, {3, 7}, 0.25, seed=20260302) and len(first) == 10
    assert not {3, 7} & set(first)
    assert first != sample(ids, {3, 7}, 0.25, seed=20260303)


def test_a_draw_is_recorded_reproducible_and_takes_every_flagged_case(env):
    cases = [closed_case(env, grid_code=f"T0{1 + i % 3}-A01-V01", subject_enterprise=f"企业{i}") for i in range(6)]
    with env.db.write() as s:
        s.add(CaseFlag(case_id=cases[4].id, flag="key", set_by="supervisor", set_at=env.clock.now(), reason="重点"))
    row = env.run(draw, closed_from=FROM, closed_to=TO, share=0.4, actor="supervisor", seed=7)
    with env.db.read() as s:
        stored = s.get(ReinspectionDraw, row.id)
        assert stored.seed == 7 and stored.candidates == [c.id for c in cases]
        # key-flagged, or repeating an earlier case of the six about the same place
        repeats = {c.id for c in cases if env.case(c).recurrence_of_id is not None}
        assert repeats and stored.flagged == sorted({cases[4].id} | repeats)
        assert len(stored.sampled) == round(0.4 * (6 - len(stored.flagged)))
        assert redraw(stored) == stored.sampled  # anyone can check the draw from the record
        started = set(s.scalars(select(ProcessInstance.case_id).join(ProcessInstance.definition)
                                .where(ProcessDefinition.process_id == "reinspection")))
    assert started == {*stored.flagged, *stored.sampled}
    again = env.run(draw, closed_from=FROM, closed_to=TO, share=1.0, actor="supervisor", seed=7)
    with env.db.read() as s:  # a case is drawn once
        assert set(s.get(ReinspectionDraw, again.id).candidates) == {c.id for c in cases} - started


def test_relapse_after_n_working_days_reopens_the_case_for_its_department(env):
    case = closed_case(env)  # closed Monday 2 March, 10:00 Shanghai
    with env.db.write() as s:
        s.add(CaseFlag(case_id=case.id, flag="key", set_by="supervisor", set_at=env.clock.now(), reason="重点"))
    env.run(draw, closed_from=FROM, closed_to=TO, share=0.0, actor="supervisor", seed=1)
    env.at("2026-03-16T15:59:00+00:00")  # ten working days end at 24:00 on Monday 16 March
    assert [t.spec for t in env.ready(case) if t.spec == "reinspect"] == []
    env.at("2026-03-16T16:00:01+00:00")
    task = env.task(case, "reinspect")
    assert (task.candidate_group, task.tier) == ("supervisor", 3)
    env.complete(case, "reinspect", {"result": "relapsed", "findings": "夜间又有异味"})
    [relapse] = env.audit(case, "relapsed")
    assert relapse.detail["department"] == "air"
    c = env.case(case)
    assert (c.status, c.stage, c.reopened) == ("handling", "handle", True)
    assert c.relapse_count == 1  # the measures' 反弹件 (engine/measures/definitions.py)
    assert env.audit(case, "reopened")[0].detail["comment"] == "夜间又有异味"
    assert env.task(case, "rs_rehandle").candidate_group == "handler"
    env.complete(case, "rs_rehandle", {"evidence_note": "再次整改到位"})
    assert env.case(case).status == "closed"


def test_a_case_that_holds_is_left_closed(env):
    case = closed_case(env)
    with env.db.write() as s:
        s.add(CaseFlag(case_id=case.id, flag="key", set_by="supervisor", set_at=env.clock.now(), reason="重点"))
    env.run(draw, closed_from=FROM, closed_to=TO, share=0.0, actor="supervisor", seed=1)
    env.at("2026-03-16T16:00:01+00:00")
    env.complete(case, "reinspect", {"result": "holds", "findings": "未见反弹"})
    assert env.audit(case, "relapsed") == [] and env.case(case).status == "closed"
    assert env.audit(case, "reinspected")[0].detail["result"] == "holds"
