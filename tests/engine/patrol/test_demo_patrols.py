"""`greenloop demo`'s patrols: points in three towns worked through the patrol process over two
weeks — done, missed and escalated with their 督办单, and a problem reported as a case."""
from __future__ import annotations

from sqlalchemy import select

from engine.demo_patrols import POINTS, patrol_demo
from engine.models import Case, Patrol, PatrolPoint
from engine.models.documents import Document
from tests.engine.patrol.conftest import set_clock


def test_the_demo_patrols_are_done_missed_and_escalated(env, tmp_path):
    set_clock(env, "2026-04-20T10:00:00+08:00")
    report = patrol_demo(env.runtime, attachments_dir=tmp_path)
    with env.db.read() as s:
        points = s.scalars(select(PatrolPoint)).all()
        rows = s.scalars(select(Patrol)).all()
        notices = s.scalars(select(Document).where(Document.patrol_id.is_not(None))).all()
        grid_cases = s.scalars(select(Case).where(Case.channel == "grid")).all()
    assert len(points) == len(POINTS) and len({p.grid_path.split("/")[2] for p in points}) == 3
    statuses = {r.status for r in rows}
    assert {"done", "missed"} <= statuses
    escalated = [r for r in rows if r.escalated_tier]
    assert escalated and len(notices) == len(escalated)
    assert any(r.case_id for r in rows) and len(grid_cases) == 1
    assert report.startswith(f"{len(POINTS)} patrol points")
    assert patrol_demo(env.runtime, attachments_dir=tmp_path) == "patrol points already present; no demo patrols added"
