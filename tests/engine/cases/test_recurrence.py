"""Repeat complaints (engine/cases/recurrence.py): a new case about the same place or enterprise as
a case closed within the diagram's window (90 calendar days as shipped) is linked to it at intake."""
from datetime import timedelta

from sqlalchemy import select

from engine.models import Case


def closed_case(env, **overrides):
    case = env.register(**overrides)
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})
    assert env.case(case).status == "closed"
    return env.case(case)


def later(env, days):
    env.clock.set(env.clock.now() + timedelta(days=days))


def test_same_enterprise_within_the_window_is_a_repeat(env):
    first = closed_case(env, subject_enterprise="某化工有限公司", grid_code="T01-A01-V01")
    later(env, 89)
    again = env.register(subject_enterprise=" 某化工有限公司 ", grid_code="T02-A01-V01", title="又有异味")
    assert env.case(again).recurrence_of_id == first.id
    [event] = env.audit(again, "recurrence")
    assert event.detail == {"of": first.number, "days": 90, "department": "air"}


def test_same_place_within_the_window_is_a_repeat(env):
    first = closed_case(env, subject_enterprise=None, grid_code="T01-A01-V01")
    later(env, 10)
    again = env.register(subject_enterprise=None, grid_code="T01-A01-V01")
    assert env.case(again).recurrence_of_id == first.id


def test_outside_the_window_or_elsewhere_or_still_open_is_not(env):
    closed_case(env, subject_enterprise="某化工有限公司", grid_code="T01-A01-V01")
    open_one = env.register(subject_enterprise="另一家公司", grid_code="T03-A01-V01")
    later(env, 91)
    outside = env.register(subject_enterprise="某化工有限公司", grid_code="T01-A01-V01")
    elsewhere = env.register(subject_enterprise="无关企业", grid_code="T02-A01-V01")
    open_again = env.register(subject_enterprise="另一家公司", grid_code="T03-A01-V01")  # first one not closed
    for case in (outside, elsewhere, open_again):
        assert env.case(case).recurrence_of_id is None and env.audit(case, "recurrence") == []
    with env.db.read() as s:
        assert s.scalar(select(Case.recurrence_of_id).where(Case.id == open_one.id)) is None
