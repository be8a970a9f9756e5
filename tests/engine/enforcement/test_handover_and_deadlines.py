"""移交公安 (handover to the police) and each step's deadline: the police's decision is recorded
by the receiving police department's own people, a late decision escalates; a step left past its
working-day limit turns yellow, then red one tier up — by the real timer worker on the clock."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.core.errors import FormInvalid
from engine.models import Case, Notification, ProcessInstance, Task, User
from engine.models.documents import Document
from engine.org.scopes import case_scope, may_work, task_scope
from tests.engine.enforcement.conftest import add_agency_officer, enforcement_of, staff

HANDOVER = {"police_department": "police", "receiver": "刑侦大队 王警官", "received_on": "2026-03-05",
            "handover_reason": "涉嫌污染环境罪：超标排放有毒物质"}


def _to_investigation(env, case):
    env.complete(case, "en_file", {"party": "示范化工有限公司", "violation": "偷排含重金属废水"}, actor="lead2")


def _hand_over(env, case):
    _to_investigation(env, case)
    env.complete(case, "en_investigate", {"findings": "暗管偷排，铬超标 10 倍", "crime_suspected": True}, actor="handler2")
    env.complete(case, "en_handover", HANDOVER, actor="handler2")


def test_a_suspected_crime_is_handed_over_with_its_letter_and_the_police_decide(env, violating):
    add_agency_officer(env)
    _hand_over(env, violating)
    row = enforcement_of(env, violating)
    assert (row.step, row.crime_suspected, row.police_receiver, str(row.police_received_on)) == (
        "police", True, "刑侦大队 王警官", "2026-03-05")
    with env.db.read() as s:
        letter = s.scalars(select(Document).where(Document.case_id == violating.id,
                                                  Document.kind == "case_transfer_letter")).one()
    assert letter.number.startswith("环移〔2026〕")
    assert letter.context["enforcement"]["police_department"] == "公安局"
    assert letter.context["enforcement"]["number"] == row.number
    # The letter leaves the bureau: no complainant name or phone in it.
    assert "张三" not in str(letter.context) and "13800000000" not in str(letter.context)
    task = env.task(violating, "en_police")
    police, air_handler = staff(env, "police1"), staff(env, "handler")
    assert may_work(police, task) and not may_work(air_handler, task)
    with env.db.read() as s:
        assert s.scalar(select(Task.id).where(Task.id == task.id, task_scope(police))) == task.id
        # The police see the case it was sent with, and no other.
        other = env.register(title="另一件投诉")
        assert s.scalars(select(Case.id).where(case_scope(police))).all() == [violating.id]
        assert other.id not in s.scalars(select(Case.id).where(case_scope(police))).all()
    env.complete(violating, "en_police", {"decision": "filed", "decision_note": "已立刑事案件"}, actor="police1")
    # Filed by the police: the bureau closes its case.
    assert [t.spec for t in env.ready(violating) if t.stage == "enforcement"] == ["en_close"]
    assert enforcement_of(env, violating).police_decision == "filed"
    assert enforcement_of(env, violating).police_late is False


@pytest.mark.parametrize("decision", ["not_filed", "returned"])
def test_not_filed_or_returned_goes_on_to_the_administrative_penalty(env, violating, decision):
    add_agency_officer(env)
    _hand_over(env, violating)
    env.complete(violating, "en_police", {"decision": decision}, actor="police1")
    decide = env.task(violating, "en_decide")
    with env.db.read() as s:
        brigade = s.scalar(select(User.department_id).where(User.username == "lead2"))
    # The tasks are the brigade's again once the police have answered.
    assert (decide.candidate_group, decide.department_id) == ("lead", brigade)


def test_a_handover_needs_an_outside_agency(env, violating):
    _to_investigation(env, violating)
    env.complete(violating, "en_investigate", {"findings": "x", "crime_suspected": True}, actor="handler2")
    with pytest.raises(FormInvalid) as refused:
        env.complete(violating, "en_handover", {**HANDOVER, "police_department": "air"}, actor="handler2")
    assert list(refused.value.errors) == ["police_department"]
    assert enforcement_of(env, violating).handed_over_at is None


def test_a_late_police_decision_is_escalated_and_marked(env, violating):
    add_agency_officer(env)
    _hand_over(env, violating)
    task = env.task(violating, "en_police")
    assert task.warn_at < task.due_at
    env.at((task.warn_at + timedelta(minutes=1)).isoformat())
    assert enforcement_of(env, violating).colour == "yellow"
    env.at((task.due_at + timedelta(minutes=1)).isoformat())
    row = enforcement_of(env, violating)
    assert (row.colour, row.escalated_tier, row.police_late) == ("red", 3, True)
    with env.db.read() as s:
        told = set(s.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                             .where(Notification.kind == "escalation", Notification.title.contains("待公安机关决定"))))
    assert told == {"supervisor"}  # the county's supervision section (tier 3), no one else
    # Still waiting for the police: the decision can be recorded late, and is.
    env.complete(violating, "en_police", {"decision": "filed"}, actor="police1")
    assert enforcement_of(env, violating).police_decision == "filed"


def test_a_step_past_its_limit_escalates_one_tier_at_a_time(env, violating):
    task = env.task(violating, "en_file")
    env.at((task.warn_at + timedelta(minutes=1)).isoformat())
    assert enforcement_of(env, violating).colour == "yellow"
    assert env.task(violating, "en_file").colour == "yellow"
    env.at((task.due_at + timedelta(minutes=1)).isoformat())
    row = enforcement_of(env, violating)
    assert (row.colour, row.escalated_tier) == ("red", 3)
    assert env.task(violating, "en_file").colour == "red"
    assert [e.detail["to_tier"] for e in env.audit(violating, "enforcement_escalated")] == [3]
    # The next step starts blue with its own limit; missing it goes one tier further.
    env.complete(violating, "en_file", {"party": "示范化工有限公司", "violation": "废气直排"}, actor="lead2")
    assert enforcement_of(env, violating).colour == "blue"
    investigate = env.task(violating, "en_investigate")
    env.at((investigate.due_at + timedelta(minutes=1)).isoformat())
    assert enforcement_of(env, violating).escalated_tier == 4


def test_the_police_follow_up_escalates_again_each_period_until_the_decision_is_recorded(env, violating):
    add_agency_officer(env)
    _hand_over(env, violating)
    task = env.task(violating, "en_police")

    def escalations():
        return [e.detail["to_tier"] for e in env.audit(violating, "enforcement_escalated")
                if e.detail["step"] == "待公安机关决定"]

    env.at((task.due_at + timedelta(minutes=1)).isoformat())
    assert escalations() == [3]
    # Each further period (3 working days; a calendar week holds them) without the decision: again.
    env.at((task.due_at + timedelta(days=7)).isoformat())
    assert escalations() == [3, 4]
    # Read before the complaint's own escalation reaches tier 4 too: both tell the leaders in the
    # case's one escalation thread, whose title is the latest news (engine/notify/delivery.py).
    with env.db.read() as s:
        told = set(s.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                             .where(Notification.kind == "escalation", Notification.title.contains("待公安机关决定"))))
    with env.db.read() as s:  # what each person's escalation rows say, should this ever fail again
        rows = [(n.user_id, n.thread, n.count, n.title) for n in
                s.scalars(select(Notification).where(Notification.kind == "escalation"))]
    assert "leader" in told, rows  # the bureau's leaders (tier 4) are told past the second period
    env.at((task.due_at + timedelta(days=14)).isoformat())
    assert escalations() == [3, 4, 4]  # the top tier is reminded again each period
    with env.db.read() as s:  # and the police department's own people are reminded
        reminded = set(s.scalars(select(User.username).join(Notification, Notification.user_id == User.id)
                                 .where(Notification.title.contains("待公安机关反馈处理决定"))))
    assert reminded == {"police1"}
    env.complete(violating, "en_police", {"decision": "filed"}, actor="police1")
    env.at((task.due_at + timedelta(days=30)).isoformat())
    assert escalations() == [3, 4, 4]  # answered: the follow-up ends
    row = enforcement_of(env, violating)
    assert (row.police_decision, row.step) == ("filed", "close")
    with env.db.read() as s:

        assert s.get(ProcessInstance, row.instance_id).status == "running"  # waiting at 结案审批 only
        assert [t.spec for t in s.scalars(select(Task).where(Task.instance_id == row.instance_id,
                                                             Task.state == "ready"))] == ["en_close"]
