"""The demo's self-inspection campaign: issued three weeks ago on a simulated clock, some answered
(accepted, one sent back), some overdue and with their grid officers."""
from datetime import datetime

from sqlalchemy import select

from engine.enterprises.sample import seed_register
from engine.models.selfcheck import SelfCheckTask
from engine.selfcheck.demo import seed_campaign
from engine.timers.fire import fire_due


def test_the_demo_campaign(env, tmp_path):
    env.clock.set(datetime.fromisoformat("2026-06-15T10:00:00+08:00"))
    env.run(seed_register, count=120)
    sent = seed_campaign(env.runtime, fire_due, tmp_path)
    assert sent > 3
    assert seed_campaign(env.runtime, fire_due, tmp_path) == 0  # once
    with env.db.read() as s:
        tasks = list(s.scalars(select(SelfCheckTask)))
    statuses = {t.status for t in tasks}
    assert {"waiting", "accepted"} <= statuses
    # Overdue and handed on (the test county has a grid officer in 城关镇 only, the demo one in every town).
    assert any(t.overdue and t.colour == "red" for t in tasks if t.status == "waiting")
    assert any(t.submitted_at for t in tasks) and any(t.on_time for t in tasks)
