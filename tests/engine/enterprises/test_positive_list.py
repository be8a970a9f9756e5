"""The positive list (workflows/bpmn/positive_list.bpmn): proposed with the checklist, approved by
the leader, listed for a period, reviewed automatically when a complaint or alarm arrives, removed
with a reason or expired at the period's end (the real worker on a ManualClock)."""
from datetime import date

import pytest
from sqlalchemy import select

from engine.core.errors import AdminError, FormInvalid
from engine.enterprises import linking, positive_list
from engine.enterprises.functions import CRITERIA
from engine.enterprises.positive_list import is_listed, public_list
from engine.models import AuditEvent, Task, User
from engine.models.enterprise import PositiveListing
from engine.work.tasks import complete_task


def user_id(env, username):
    with env.db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def ready(env, spec):
    with env.db.read() as s:
        return list(s.scalars(select(Task).where(Task.spec == spec, Task.state == "ready")))


def complete(env, spec, data, actor="tester"):
    [task] = ready(env, spec)
    return env.run(complete_task, task.id, data, actor)


def listing(env, listing_id):
    with env.db.read() as s:
        return s.get(PositiveListing, listing_id)


def events(env, row):
    with env.db.read() as s:
        return [e.kind for e in s.scalars(select(AuditEvent).where(AuditEvent.instance_id == row.instance_id)
                                          .order_by(AuditEvent.id))]


def listed(env, enterprise, start="2026-03-02", end="2026-12-31"):
    row = env.run(positive_list.propose, enterprise.id, user_id(env, "supervisor"), "supervisor", 3)
    [task] = ready(env, "pl_propose")
    assert (task.candidate_group, task.tier, task.reserved_for_id) == ("supervisor", 3, user_id(env, "supervisor"))
    complete(env, "pl_propose", {"enterprise": enterprise.name, "criteria": list(CRITERIA), "period_start": start,
                                 "period_end": end, "reason": "三年无违法，在线监测稳定"}, "supervisor")
    [task] = ready(env, "pl_approve")
    assert (task.tier, task.reserved_for_id) == (4, None)
    complete(env, "pl_approve", {"approved": True}, "leader")
    return listing(env, row.id)


def test_approved_listing_is_listed_for_its_period_and_published(env, enterprise):
    row = listed(env, enterprise)
    assert (row.status, row.period_start, row.period_end, row.decided_by) == \
        ("listed", date(2026, 3, 2), date(2026, 12, 31), "leader")
    with env.db.read() as s:
        assert is_listed(s, enterprise.id, date(2026, 3, 2)) and not is_listed(s, enterprise.id, date(2027, 1, 1))
        assert positive_list.listed_among(s, [enterprise.id, 999], date(2026, 3, 2)) == {enterprise.id}
        assert [(e.name, e.credit_code) for e in public_list(s, date(2026, 6, 1))] == \
            [("示范化工有限公司", "91350100M000100Y43")]
    assert events(env, row)[:1] == ["positive_list_started"]
    assert {"positive_list_proposed", "positive_list_listed"} <= set(events(env, row))
    with pytest.raises(AdminError):  # one proposal or listing at a time
        env.run(positive_list.propose, enterprise.id, user_id(env, "supervisor"), "supervisor", 3)


def test_refused_proposal_and_an_incomplete_checklist(env, enterprise):
    row = env.run(positive_list.propose, enterprise.id, user_id(env, "supervisor"), "supervisor", 3)
    with pytest.raises(FormInvalid):
        complete(env, "pl_propose", {"enterprise": "x", "criteria": list(CRITERIA), "period_start": "2026-05-01",
                                     "period_end": "2026-04-01", "reason": "r"}, "supervisor")
    complete(env, "pl_propose", {"enterprise": "x", "criteria": list(CRITERIA), "period_start": "2026-04-01",
                                 "period_end": "2026-12-31", "reason": "r"}, "supervisor")
    complete(env, "pl_approve", {"approved": False, "approve_comment": "近期有信访"}, "leader")
    row = listing(env, row.id)
    assert (row.status, row.end_reason) == ("rejected", "近期有信访")
    with env.db.read() as s:
        assert not is_listed(s, enterprise.id, date(2026, 6, 1))


def test_a_complaint_asks_for_a_review_and_removal_ends_the_listing(env, enterprise):
    row = listed(env, enterprise)
    case = env.register(subject_enterprise="示范化工")
    env.run(lambda s, rt: linking.link_case(s, rt, s.get(type(case), case.id), enterprise.id, "intake"))
    assert env.case(case).enterprise_id == enterprise.id
    assert [e.detail["name"] for e in env.audit(case, "enterprise_linked")] == ["示范化工有限公司"]
    [task] = ready(env, "pl_review")
    assert (task.candidate_group, task.tier) == ("supervisor", 3)
    # a second complaint while the review is open joins it
    other = env.register(subject_enterprise="示范化工", complainant_phone="13900000000")
    env.run(lambda s, rt: linking.link_case(s, rt, s.get(type(other), other.id), enterprise.id, "intake"))
    assert len(ready(env, "pl_review")) == 1
    env.at("2026-03-03T02:00:00+00:00")
    complete(env, "pl_review", {"decision": "remove", "review_reason": "投诉查实"}, "supervisor")
    row = listing(env, row.id)
    assert (row.status, row.end_reason) == ("removed", "投诉查实")
    assert {"positive_list_review_requested", "positive_list_review_pending", "positive_list_reviewed",
            "positive_list_removed"} <= set(events(env, row))
    with env.db.read() as s:
        assert is_listed(s, enterprise.id, date(2026, 3, 2)) and not is_listed(s, enterprise.id, date(2026, 3, 3))
        assert public_list(s, date(2026, 3, 4)) == []


def test_an_alarm_with_a_known_station_links_and_a_kept_listing_expires_at_period_end(env, enterprise):
    row = listed(env, enterprise, end="2026-03-31")
    alarm = env.register(channel="monitoring", complainant_name=None, complainant_phone=None, title="COD 超标")
    with env.db.write() as s:
        s.get(type(alarm), alarm.id).details = {"monitoring": {"station_code": "ST0001"}}
    assert env.run(lambda s, rt: linking.link_alarm(s, rt, s.get(type(alarm), alarm.id), "system")) == enterprise.id
    complete(env, "pl_review", {"decision": "keep", "review_reason": "设备故障误报，已核实"}, "supervisor")
    assert listing(env, row.id).status == "listed"
    env.at("2026-03-31T15:59:00+00:00")  # 23:59 on 31 March in Shanghai
    assert listing(env, row.id).status == "listed"
    env.at("2026-03-31T16:00:01+00:00")
    row = listing(env, row.id)
    assert row.status == "expired" and "positive_list_expired" in events(env, row)
    with env.db.read() as s:
        assert not is_listed(s, enterprise.id, date(2026, 4, 1))


def test_suggestions_by_name_address_and_station(env, enterprise):
    with env.db.read() as s:
        assert [x.why for x in linking.suggest(s, station_code="ST0001")] == ["station"]
        assert [x.id for x in linking.suggest(s, name="示范化工厂")] == [enterprise.id]
        assert [x.id for x in linking.suggest(s, address="城关镇工业园一路")] == [enterprise.id]
        assert linking.suggest(s, name="无关企业") == []
