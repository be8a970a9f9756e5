from engine.models import Case


def test_case_runs_the_whole_loop_and_records_every_step(env):
    case = env.register()
    assert case.number.startswith("环字〔2026〕第") and case.number.endswith("号")
    assert [t.spec for t in env.ready(case)] == ["receive"]

    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实，已责令整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})
    c: Case = env.case(case)
    assert (c.status, c.stage, c.closed_on_time) == ("closed", "follow_up", True)
    env.complete(case, "follow_up", {"satisfaction": "satisfied"})

    c = env.case(case)
    assert (c.status, c.stage, c.colour, c.satisfaction) == ("closed", None, "green", "satisfied")
    assert env.instance(case).status == "completed"
    assert env.ready(case) == []
    stages = [e.stage for e in env.audit(case, "stage_entered")]
    assert stages == ["receive", "assign", "handle", "feedback", "review", "follow_up"]
    completed = [e.detail["task"] for e in env.audit(case, "task_completed")]
    assert completed == ["receive", "assign", "handle", "feedback", "review", "follow_up"]
