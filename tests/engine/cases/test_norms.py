"""The 12345 timing norms in the shipped complaint diagram (engine/cases/norms.py): sign for (签收)
within 1 working day or escalate, return (退单) only within 2 working days and reviewed by intake,
the follow-up call (回访) due the next working day, urging (催办) reminding at its report-by date —
all with the real worker firing the timers (engine/timers/fire.py) on a ManualClock."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.calendar.workdays import WorkCalendar
from engine.core.errors import FormInvalid
from engine.definitions.deploy import deploy, latest_definition, shipped_files
from engine.models import Notification, ProcessDefinition

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bpmn"
# START (tests/conftest.py) is Monday 2 March 2026, 10:00 Shanghai. One working day after it ends
# at 24:00 on Tuesday 3 March, two at 24:00 on Wednesday 4 March (16:00 UTC).
TUESDAY_END = "2026-03-03T16:00:00+00:00"
WEDNESDAY_END = "2026-03-04T16:00:00+00:00"


def after(iso: str, seconds: int = 1) -> str:
    return (datetime.fromisoformat(iso) + timedelta(seconds=seconds)).isoformat()


def notes(env, case, kind):
    with env.db.read() as s:
        return list(s.scalars(select(Notification).where(Notification.case_id == case.id, Notification.kind == kind)))


def test_unsigned_case_escalates_one_working_day_after_assignment(env):
    case = env.register()
    env.accept_and_assign(case)
    tier = env.case(case).tier
    env.at(after(TUESDAY_END, -60))
    assert env.audit(case, "sign_for_overdue") == [] and env.case(case).colour == "blue"
    env.at(after(TUESDAY_END))
    [missed] = env.audit(case, "sign_for_overdue")
    assert missed.detail == {"department": "air"}
    [escalated] = env.audit(case, "escalated")
    assert escalated.stage == "sign_for" and escalated.detail["to_tier"] == tier + 1
    c = env.case(case)
    assert (c.colour, c.tier, c.stage) == ("red", tier + 1, "handle")
    assert {t.spec for t in env.ready(case)} == {"handle", "supervise"}


def test_a_claim_is_the_sign_for_and_stops_the_escalation(env):
    case = env.register()
    env.accept_and_assign(case)
    env.sign_for(case)
    env.at(after(TUESDAY_END))
    assert [e.detail["element"] for e in env.audit(case, "timer_fired")] == ["sign_for_timer"]
    assert env.audit(case, "sign_for_overdue") == [] and env.audit(case, "escalated") == []
    assert env.case(case).colour == "blue"


def test_sign_for_limit_skips_the_weekend(env):
    env.clock.set(datetime(2026, 3, 6, 2, 0, tzinfo=timezone.utc))  # Friday 6 March, 10:00
    case = env.register()
    env.accept_and_assign(case)
    env.at("2026-03-08T16:00:01+00:00")  # Sunday night: the weekend does not count
    assert env.audit(case, "sign_for_overdue") == []
    env.at("2026-03-09T16:00:01+00:00")  # Monday 24:00 has passed
    assert len(env.audit(case, "sign_for_overdue")) == 1


def test_return_within_two_working_days_goes_to_intake_review(env):
    case = env.register()
    env.accept_and_assign(case)
    env.at(after(WEDNESDAY_END, -60))
    env.complete(case, "handle", {"outcome": "return", "return_reason": "不属于本科室职责"})
    assert [t.spec for t in env.ready(case)] == ["review_return"]
    assert env.task(case, "review_return").candidate_group == "intake"
    assert env.audit(case, "returned")[0].detail == {"department": "air", "reason": "不属于本科室职责"}
    assert env.case(case).department_id is not None  # still the department's until intake agrees


def test_return_after_two_working_days_is_refused_with_a_clear_message(env):
    case = env.register()
    env.accept_and_assign(case)
    env.sign_for(case)
    env.at(after(WEDNESDAY_END))
    assert len(env.audit(case, "return_window_closed")) == 1
    with pytest.raises(FormInvalid) as refused:
        env.complete(case, "handle", {"outcome": "return", "return_reason": "不属于本科室职责"})
    assert "2 个工作日" in refused.value.errors["outcome"][0]
    assert [t.spec for t in env.ready(case)] == ["handle"]  # nothing changed
    assert env.audit(case, "returned") == []
    env.complete(case, "handle", {"outcome": "done", "findings": "已核查"})  # handling still works


def test_a_return_just_past_the_window_is_refused_before_the_worker_fires_the_timer(env):
    case = env.register()
    env.accept_and_assign(case)
    env.sign_for(case)
    env.clock.set(datetime.fromisoformat(after(WEDNESDAY_END)))  # no worker tick: the timer still waits
    assert env.audit(case, "return_window_closed") == []
    with pytest.raises(FormInvalid) as refused:
        env.complete(case, "handle", {"outcome": "return", "return_reason": "不属于本科室职责"})
    assert "2 个工作日" in refused.value.errors["outcome"][0]
    assert env.audit(case, "returned") == [] and [t.spec for t in env.ready(case)] == ["handle"]


def test_the_window_timer_and_the_completion_check_agree_on_the_moment(env):
    case = env.register()
    env.accept_and_assign(case)
    env.sign_for(case)
    env.at(after(TUESDAY_END))  # the sign-for timer fires; the return window's is the next one
    # The timer waits for the same moment the check compares with (norms.return_window_end).
    due = env.instance(case).next_timer_due
    assert (due if due.tzinfo else due.replace(tzinfo=timezone.utc)) == datetime.fromisoformat(WEDNESDAY_END)
    env.clock.set(datetime.fromisoformat(after(WEDNESDAY_END, -1)))
    env.complete(case, "handle", {"outcome": "return", "return_reason": "不属于本科室职责"})
    assert [t.spec for t in env.ready(case)] == ["review_return"]


def test_an_urgent_case_may_be_returned_within_four_hours(env):
    case = env.register(urgent=True)
    env.accept_and_assign(case)
    env.sign_for(case)
    assigned = env.audit(case, "assigned")[-1].at
    env.clock.set(assigned + timedelta(hours=4, seconds=1))
    with pytest.raises(FormInvalid):
        env.complete(case, "handle", {"outcome": "return", "return_reason": "不属于本科室职责"})


def test_intake_accepts_a_return_and_assigns_again_with_a_fresh_window(env):
    case = env.register()
    env.accept_and_assign(case)
    env.return_to_intake(case, "属执法大队职责")
    c = env.case(case)
    assert c.department_id is None and [t.spec for t in env.ready(case)] == ["assign"]
    assert env.audit(case, "return_accepted")[0].detail["department"] == "air"
    env.at(after(WEDNESDAY_END))  # the first window has passed; a new assignment opens a new one
    env.complete(case, "assign", {"action": "assign", "department": "enforcement"})
    env.complete(case, "handle", {"outcome": "return", "return_reason": "也不是我们"})
    assert [t.spec for t in env.ready(case)] == ["review_return"]


def test_intake_refuses_a_return_and_the_department_keeps_the_case(env):
    case = env.register()
    env.accept_and_assign(case)
    department = env.case(case).department_id
    env.return_to_intake(case, "不属于本科室职责", accept=False, comment="属大气科职责，请办理")
    assert [t.spec for t in env.ready(case)] == ["handle"]
    assert env.case(case).department_id == department
    assert env.audit(case, "return_refused")[0].detail == {"department": "air", "comment": "属大气科职责，请办理"}
    told = notes(env, case, "returned")
    assert told and all(n.group == "handler" for n in told if n.title.startswith("退单未通过"))
    # refused without a reason is a form error
    env.complete(case, "handle", {"outcome": "return", "return_reason": "再次退单"})
    with pytest.raises(FormInvalid):
        env.complete(case, "review_return", {"return_decision": "refuse"})


def _to_follow_up(env, case):
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})
    assert env.case(case).stage == "follow_up"


@pytest.mark.parametrize("approved, due", [
    # approved on Friday 6 March: due at the end of Monday 9 March (the weekend does not count)
    (datetime(2026, 3, 6, 7, 0, tzinfo=timezone.utc), datetime(2026, 3, 9, 16, 0, tzinfo=timezone.utc)),
    # approved on Thursday 30 April: the May Day holiday (1–5 May) is skipped, due Wednesday 6 May
    (datetime(2026, 4, 30, 7, 0, tzinfo=timezone.utc), datetime(2026, 5, 6, 16, 0, tzinfo=timezone.utc)),
])
def test_follow_up_is_due_the_next_working_day_after_the_reply_is_approved(env, approved, due):
    env.clock.set(approved)
    case = env.register()
    _to_follow_up(env, case)
    assert WorkCalendar().deadline(approved, days=1) == due
    c = env.case(case)
    assert c.stage_due == due and env.task(case, "follow_up").due_at == due
    env.at((due - timedelta(seconds=1)).isoformat())
    assert env.audit(case, "escalated") == []
    env.at(after(due.isoformat()))
    [escalated] = env.audit(case, "escalated")
    assert escalated.stage == "follow_up"


def test_urging_records_the_report_by_date_and_reminds_when_it_passes(env):
    case = env.register()
    env.accept_and_assign(case)
    env.at(after(TUESDAY_END))  # not signed for: escalated, a supervision (督办) task
    env.complete(case, "supervise", {"opinion": "请尽快签收办理", "require_report_by": "2026-03-05"}, actor="supervisor")
    [urged] = env.audit(case, "urged")
    assert urged.detail == {"opinion": "请尽快签收办理", "report_by": "2026-03-05"}
    assert any(n.title.startswith("催办") for n in notes(env, case, "supervised"))
    env.at("2026-03-05T15:59:00+00:00")  # 23:59 on the report-by day in Shanghai
    assert env.audit(case, "report_overdue") == []
    env.at("2026-03-05T16:00:01+00:00")
    [overdue] = env.audit(case, "report_overdue")
    assert overdue.detail == {"report_by": "2026-03-05"}
    reminded = {n.group for n in notes(env, case, "warning") if n.title.startswith("催办逾期未报告")}
    assert reminded == {"handler", "supervisor"}


def test_urging_without_a_report_date_sets_no_reminder(env):
    case = env.register()
    env.accept_and_assign(case)
    env.at(after(TUESDAY_END))
    env.complete(case, "supervise", {"opinion": "请尽快办理"}, actor="supervisor")
    assert env.audit(case, "urged")[0].detail == {"opinion": "请尽快办理", "report_by": None}
    env.at("2026-03-20T16:00:01+00:00")
    assert env.audit(case, "report_overdue") == []


def test_running_cases_keep_the_diagram_version_they_started_on(env):
    old = {"complaint.bpmn": (FIXTURES / "complaint_before_norms.bpmn").read_text(encoding="utf-8")}
    _bpmn, dmn = shipped_files()
    with env.db.write() as s:
        before, created = deploy(s, env.runtime, old, dmn, comment="12345 时限之前的流程")
        assert created
    old_case = env.register()
    env.accept_and_assign(old_case)
    with env.db.write() as s:
        now, created = deploy(s, env.runtime, *shipped_files(), comment="12345 时限")
        assert created and now.version == before.version + 1
    new_case = env.register()
    assert env.instance(old_case).definition_id == before.id
    assert env.instance(new_case).definition_id == now.id
    # The old version has no sign-for limit and sends a return straight back to assignment.
    env.at(after(TUESDAY_END))
    assert env.audit(old_case, "sign_for_overdue") == []
    env.complete(old_case, "handle", {"outcome": "return", "return_reason": "不属于本科室职责"})
    assert [t.spec for t in env.ready(old_case)] == ["assign"]
    with env.db.read() as s:
        assert latest_definition(s, "complaint").id == now.id
        assert s.get(ProcessDefinition, before.id).version == before.version
