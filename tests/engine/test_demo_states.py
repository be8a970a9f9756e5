"""The demo county's cases sit in every state the README promises (engine/demo.py): worked
through the engine on a simulated clock, they reach every status a complaint can rest in, every
colour and tier, the complaint loop's waiting stages, enforcement and documents, and the monthly
summary counted once after the simulation agrees with the cases."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, true

from engine.bootstrap import make_runtime
from engine.core.clock import ManualClock
from engine.core.config import load_settings
from engine.core.migrate import upgrade
from engine.demo import seed_demo
from engine.measures import Period, measure
from engine.models import COLOURS, STATUSES, Case, ProcessInstance
from engine.models.case import TIERS
from engine.models.documents import Document
from engine.models.enforcement import EnforcementCase

# A fixed "now" (a Monday morning in Shanghai): the simulation's choices are seeded, so with the
# clock fixed too the same cases come out on every run.
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=timezone.utc)
CASES = 200
# "reopened" lasts only from an unsatisfied follow-up until the department takes the case up
# again in the same step (engine/cases/lifecycle.py), so no case rests in it.
RESTING = set(STATUSES) - {"reopened"}
WAITING_STAGES = {"receive", "assign", "handle", "feedback", "review", "follow_up"}


@pytest.mark.slow
def test_the_demo_cases_are_in_every_state(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GREENLOOP_DATABASE_URL", raising=False)
    settings = load_settings()
    upgrade(settings.database_url)
    runtime = make_runtime(settings, ManualClock(NOW))
    seen = []
    report = seed_demo(runtime, password="pw-123456", cases=CASES,
                       progress=lambda done, total, cases: seen.append((done, total, cases)))
    assert f"{CASES} demo cases worked through the process" in report
    # The progress ran forward to the whole 90 days and every case.
    assert seen[-1] == (90, 90, CASES) and [d for d, _t, _c in seen] == sorted(d for d, _t, _c in seen)
    with runtime.db.read() as s:
        statuses = set(s.scalars(select(Case.status).distinct()))
        colours = set(s.scalars(select(Case.colour).distinct()))
        tiers = set(s.scalars(select(Case.tier).where(Case.tier.is_not(None)).distinct()))
        stages = set(s.scalars(select(Case.stage).where(Case.stage.is_not(None)).distinct()))
        enforcement = s.scalar(select(func.count()).select_from(EnforcementCase))
        documents = s.scalar(select(func.count()).select_from(Document))
        broken = s.scalar(select(func.count()).select_from(ProcessInstance).where(ProcessInstance.status == "error"))
        period = Period(datetime(2026, 3, 1).date(), datetime(2026, 5, 31).date(), "custom")
        summed = measure(s, period, scope=true(), tz=runtime.timezone, by="town")
        counted = measure(s, period, scope=Case.id.is_not(None), tz=runtime.timezone, by="town")
    assert statuses >= RESTING, RESTING - statuses
    assert colours == set(COLOURS)
    assert tiers == set(TIERS)
    assert stages >= WAITING_STAGES, WAITING_STAGES - stages
    assert enforcement > 0 and documents > CASES
    assert broken == 0
    assert (summed.rows, summed.total) == (counted.rows, counted.total) and summed.total.count("received") > 0
