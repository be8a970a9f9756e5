"""`greenloop demo`'s outside agencies (engine/demo_agencies.py): a police officer and a market
supervision officer, each with only their agency's cases in scope and a task waiting for them."""
from __future__ import annotations

from sqlalchemy import select

from engine.demo_agencies import agency_demo
from engine.models import Case, Task
from engine.org.scopes import case_scope, may_work
from tests.engine.enforcement.conftest import staff


def test_the_demo_agencies_have_their_own_scope_and_work_waiting(env):
    [line] = agency_demo(env.runtime, "pw-demo-123")
    assert "police1" in line and "market1" in line
    police, market, handler = staff(env, "police1"), staff(env, "market1"), staff(env, "handler")
    assert police.outside_agency and market.outside_agency
    with env.db.read() as s:
        ready = list(s.scalars(select(Task).where(Task.state == "ready")))
        theirs = {user: [t.spec for t in ready if may_work(person, t)]
                  for user, person in (("police1", police), ("market1", market))}
        seen = {user: set(s.scalars(select(Case.title).where(case_scope(person))))
                for user, person in (("police1", police), ("market1", market))}
    assert theirs == {"police1": ["joint_handle"], "market1": ["agency_result"]}
    assert seen == {"police1": {"夜间车辆向河道倾倒建筑垃圾"}, "market1": {"农贸市场商户销售劣质散煤"}}
    assert not any(may_work(handler, t) for t in ready if t.spec in ("joint_handle", "agency_result"))
    assert agency_demo(env.runtime, "pw-demo-123") == []  # once only
