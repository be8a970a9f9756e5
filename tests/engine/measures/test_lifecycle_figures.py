"""Every measure against a hand-counted March 2026, built by running real cases through the engine:
rejected, merged, transferred and undecided cases, a return, an extension, two escalations (one
still red, one closed late), a reopened case, follow-ups of every kind, and cases on both sides of
the month's boundaries in Shanghai time.

The scenario is built once per database (it takes some thirty engine steps); the tests only read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import true

from engine.bootstrap import build_runtime
from engine.core.clock import ManualClock
from engine.measures import DrillDown, Filters, Period, measure, ranking
from engine.models import Case
from tests.conftest import START, Env

TZ = "Asia/Shanghai"
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "month")
FEBRUARY = MARCH.previous()


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@dataclass
class Scenario:
    env: Env
    ids: dict[str, int]


def _close(env: Env, case, department="air"):
    """Handle, feed back and review: the case is closed (its follow-up stage starts)."""
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})


@pytest.fixture(scope="module")
def scenario(database, baseline) -> Scenario:
    baseline.restore(database)
    clock = ManualClock(START)
    env = Env(build_runtime(database, clock, TZ), clock)
    ids = {}

    def register(name, **data):
        ids[name] = env.register(**data).id
        return ids[name]

    # Saturday 28 February, 23:30 in Shanghai: February's case, closed in March.
    clock.set(utc(2026, 2, 28, 15, 30))
    feb = register("feb")
    env.accept_and_assign(feb)
    clock.set(START)  # Monday 2 March, 10:00 Shanghai
    _close(env, feb)

    for name in ("A", "B", "C", "D", "I"):
        env.accept_and_assign(register(name))
        env.sign_for(ids[name])  # signed for at once: only the stages' own limits count (engine/cases/norms.py)
    register("T02", grid_code="T02-A01-V01", category="water", channel="visit")
    env.accept_and_assign(ids["T02"], department="enforcement")
    env.sign_for(ids["T02"], username="handler2")
    register("E")
    env.complete(ids["E"], "receive", {"decision": "reject", "reason": "不属于生态环境部门职责"})
    register("F", description="同一工厂，再次反映")
    with env.db.read() as s:
        parent_number = s.get(Case, ids["A"]).number
    env.complete(ids["F"], "receive", {"decision": "duplicate", "duplicate_of": parent_number})
    register("G", subject_type="catering")
    env.complete(ids["G"], "receive", {"decision": "accept"})
    env.complete(ids["G"], "assign", {"action": "transfer", "transfer_to": "城市管理局", "transfer_reason": "餐饮油烟"})
    register("H")
    env.accept_and_assign(ids["H"])
    env.return_to_intake(ids["H"], "不在本科室职责范围")
    env.complete(ids["H"], "assign", {"action": "assign", "department": "enforcement"})
    env.sign_for(ids["H"], username="handler2")
    register("J")  # awaiting the intake decision
    for name in ("K1", "K2"):  # accepted, never assigned in time
        env.complete(register(name), "receive", {"decision": "accept"})
    # A and B closed the day they were accepted (0 working days) and followed up.
    for name, answer in (("A", "satisfied"), ("B", "basically_satisfied")):
        _close(env, ids[name])
        env.complete(ids[name], "follow_up", {"satisfaction": answer})
    # I: extended by 20 working days, then closed in time (Wednesday).
    env.complete(ids["I"], "handle", {"outcome": "extension", "extension_days": 20, "extension_reason": "等待检测报告"})
    env.complete(ids["I"], "approve_extension", {"approved": True}, actor="lead")

    # Wednesday 4 March, 10:00: the assignment limit of K1 and K2 (Tuesday 24:00) has passed.
    assert env.at("2026-03-04T02:00:00+00:00") >= 2
    env.complete(ids["K2"], "assign", {"action": "assign", "department": "air"})
    for name in ("C", "D", "I", "K2"):
        _close(env, ids[name])
    env.complete(ids["C"], "follow_up", {"satisfaction": "unreachable"})
    env.complete(ids["D"], "follow_up", {"satisfaction": "unsatisfied", "comment": "气味仍在"})  # reopened

    # The month's edges: 23:30 on 31 March (in) and 00:00 on 1 April (out), Shanghai time.
    clock.set(utc(2026, 3, 31, 15, 30))
    register("last")
    clock.set(utc(2026, 3, 31, 16, 0))
    register("april")
    return Scenario(env, ids)


def _march(scenario, **kwargs):
    with scenario.env.db.read() as s:
        return measure(s, MARCH, scope=true(), tz=TZ, **kwargs)


def test_the_cases_are_where_the_scenario_put_them(scenario):
    env, ids = scenario.env, scenario.ids
    state = {name: (c.status, c.colour) for name in ids for c in [env.case(ids[name])]}
    assert state["D"][0] == "handling" and env.case(ids["D"]).reopened
    assert state["K1"] == ("accepted", "red") and env.case(ids["K1"]).escalation_count == 1
    k2 = env.case(ids["K2"])
    assert (k2.status, k2.closed_on_time, k2.escalation_count) == ("closed", False, 1)
    assert env.case(ids["H"]).return_count == 1 and env.case(ids["I"]).extension_days == 20
    assert env.case(ids["D"]).followed_up_at is None and env.case(ids["C"]).followed_up_at is not None


def test_march_by_hand(scenario):
    total = _march(scenario).total
    # received: A B C D I T02 E F G H J K1 K2 last (not feb, not april)
    assert total.count("received") == 14
    # accepted: A B C D I T02 H K1 K2 (E rejected, F merged, G transferred, J and last undecided)
    assert total.count("accepted") == 9
    # closed: A B C I K2 (D reopened)
    assert total.rate("closure_rate").numerator == 5 and total.rate("closure_rate").denominator == 9
    assert (total.rate("on_time_rate").numerator, total.rate("on_time_rate").denominator) == (4, 5)  # K2 late
    # followed up: A B C (unreachable counts); I and K2 await theirs; D's was cleared by reopening
    assert (total.rate("follow_up_rate").numerator, total.rate("follow_up_rate").denominator) == (3, 5)
    # satisfaction over answers other than unreachable: A satisfied, B basically satisfied
    assert (total.rate("satisfaction_rate").numerator, total.rate("satisfaction_rate").denominator) == (2, 2)
    assert (total.rate("repeat_rate").numerator, total.rate("repeat_rate").denominator) == (1, 14)  # F
    assert total.count("overdue") == 1  # K1 red now
    assert total.count("escalated") == 2  # K1, K2
    # assigned: A B C D I T02 H K2 (K1 never, G transferred before assignment); returned: H
    assert (total.rate("return_rate").numerator, total.rate("return_rate").denominator) == (1, 8)
    # working days from acceptance to closure: A 0, B 0 (Monday), C I K2 2 (Wednesday)
    duration = total.duration()
    assert (duration.cases, duration.mean, duration.median) == (5, 1.2, 2.0)
    assert total.rate("closure_rate").text() == "55.6%"


def test_a_case_belongs_to_the_period_it_was_received_in(scenario):
    with scenario.env.db.read() as s:
        february = measure(s, FEBRUARY, scope=true(), tz=TZ).total
        april = measure(s, Period.preset("month", date(2026, 4, 15)), scope=true(), tz=TZ).total
        last_day = measure(s, Period(date(2026, 3, 31), date(2026, 3, 31)), scope=true(), tz=TZ).total
    # Received 28 February 23:30, closed in March: February's.
    assert (february.count("received"), february.count("accepted"), february.count("closed")) == (1, 1, 1)
    assert april.count("received") == 1 and last_day.count("received") == 1


def test_slices_partition_the_totals(scenario):
    by_town = _march(scenario, by="town")
    assert [(r.key, r.label, r.figures.count("received")) for r in by_town.rows] == [
        ("T01", "城关镇", 13), ("T02", by_town.rows[1].label, 1)]
    by_department = _march(scenario, by="department")
    counts = {r.key: r.figures.count("accepted") for r in by_department.rows}
    # air: A B C D I K2; enforcement: T02, H (returned by air, assigned again); none: K1 and the
    # cases never accepted or set aside
    assert counts == {"air": 6, "enforcement": 2, None: 1}
    assert by_department.rows[-1].label == "未交办"
    assert by_department.total == by_town.total == _march(scenario).total


def test_drill_down_lists_exactly_the_cases_counted(scenario):
    ids = {v: k for k, v in scenario.ids.items()}
    with scenario.env.db.read() as s:
        def names(measure_code, side="numerator", **kwargs):
            drill = DrillDown(MARCH, measure_code, side, **kwargs)
            return sorted(ids[c.id] for c in s.scalars(drill.select(s, scope=true(), tz=TZ)))

        assert names("closure_rate") == ["A", "B", "C", "I", "K2"]
        assert names("closure_rate", "denominator") == ["A", "B", "C", "D", "H", "I", "K1", "K2", "T02"]
        assert names("on_time_rate") == ["A", "B", "C", "I"]
        assert names("follow_up_rate") == ["A", "B", "C"]
        assert names("satisfaction_rate", "denominator") == ["A", "B"]
        assert names("repeat_rate") == ["F"]
        assert names("return_rate") == ["H"]
        assert names("overdue") == ["K1"]
        assert names("accepted", by="department", key="enforcement") == ["H", "T02"]
        assert names("accepted", by="department", key=None) == ["K1"]
        assert names("received", filters=Filters(town="T02")) == ["T02"]


def test_ranking_by_completion_then_on_time(scenario):
    with scenario.env.db.read() as s:
        ranked = ranking(s, MARCH, scope=true(), tz=TZ, by="department")
    # air: 5 of 6 closed; enforcement: 0 of 2; the cases without a department are not ranked
    assert [(r.rank, r.row.key) for r in ranked] == [(1, "air"), (2, "enforcement")]


@pytest.mark.parametrize("by", [None, "town", "area", "department", "category", "channel", "tier"])
def test_the_summary_agrees_with_counting_the_cases(scenario, by):
    """Whole months of county-wide figures come from the summary the engine steps kept; a scope
    that is not literally the whole county counts the cases. Both must say the same."""
    for period in (MARCH, FEBRUARY, Period(date(2026, 2, 20), date(2026, 4, 3))):
        with scenario.env.db.read() as s:
            summed = measure(s, period, scope=true(), tz=TZ, by=by)
            counted = measure(s, period, scope=Case.id.is_not(None), tz=TZ, by=by)
        assert summed.rows == counted.rows and summed.total == counted.total, (by, period)


def test_the_monthly_trend_from_the_summary_agrees_with_counting(scenario):
    from engine.measures import trend

    period = Period(date(2026, 2, 15), date(2026, 4, 30))
    with scenario.env.db.read() as s:
        summed = trend(s, period, scope=true(), tz=TZ, bucket="month")
        counted = trend(s, period, scope=Case.id.is_not(None), tz=TZ, bucket="month")
    assert summed == counted
    assert [p.figures.count("received") for p in summed] == [1, 14, 1]
