"""A week of cases for the report tests: registered on Monday 2 March 2026, two of them overdue
and escalated (one up to the bureau leader), and the clock on Monday 9 March at 09:00, when the
daily report of Sunday 8 March and the weekly report of 2–8 March are due."""
from __future__ import annotations

from datetime import datetime

import pytest

NEXT_MONDAY = "2026-03-09T01:00:00+00:00"  # 09:00 in Shanghai


@pytest.fixture
def week(env):
    red_high = env.register(title="河道死鱼 联系人13912345678", urgent=True)  # handling runs on hours: up the tiers
    env.accept_and_assign(red_high, department="enforcement")
    env.sign_for(red_high, username="handler2")  # signed for: only the handling deadline escalates it
    red_low = env.register(title="化工厂异味")  # assignment left undone: overdue
    env.complete(red_low, "receive", {"decision": "accept"})
    calm = env.register(title="夜间施工噪声", grid_code="T02-A01-V01")
    for day in range(4, 9):  # the timers of each day of the week, as a worker would fire them
        env.at(f"2026-03-{day:02d}T03:00:00+00:00")
    env.at(NEXT_MONDAY)
    assert env.case(red_high).colour == "red" and env.case(red_high).tier == 4
    assert env.case(red_low).colour == "red"
    [to_leader] = [e for e in env.audit(red_high, "escalated") if e.detail["to_tier"] == 4]
    assert to_leader.at.isoformat() == "2026-03-05T03:00:00+00:00"  # Thursday of the week
    return {"red_high": env.case(red_high), "red_low": env.case(red_low), "calm": env.case(calm),
            "now": datetime.fromisoformat(NEXT_MONDAY)}
