"""Migration 0013 fills the new case columns of existing cases from the audit trail."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic.script import ScriptDirectory

from engine.core.migrate import alembic_config, upgrade


def _before_mine(url: str) -> str:
    """The revision just before the one that adds the columns (the lead may renumber the chain)."""
    scripts = ScriptDirectory.from_config(alembic_config(url))
    mine = next(s for s in scripts.walk_revisions() if s.path.endswith("_case_measure_facts.py"))
    return mine.down_revision


def test_existing_cases_get_their_facts_from_the_audit_trail(tmp_path):
    url = f"sqlite:///{tmp_path / 'b.db'}"
    upgrade(url, _before_mine(url))
    engine = sa.create_engine(url)
    case_row = {"channel": "hotline", "category": "air", "title": "t", "description": "", "complainant_anonymous": False,
                "urgent": False, "colour": "green", "tier": 1, "reopened": False, "extension_days": 0,
                "received_at": datetime(2026, 3, 2, 2, 0), "accepted_at": None, "closed_at": None}
    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        case, audit = meta.tables["case"], meta.tables["audit_event"]
        conn.execute(case.insert(), [
            # Accepted Monday 2 March 10:00 Shanghai, closed Thursday 5 March: 3 working days;
            # rated, reopened, closed again and rated again.
            {**case_row, "id": 1, "number": "n1", "tracking_code": "c1", "status": "closed",
             "accepted_at": datetime(2026, 3, 2, 2, 0), "closed_at": datetime(2026, 3, 5, 3, 0)},
            # Rated unsatisfied and reopened: open, its follow-up no longer counts.
            {**case_row, "id": 2, "number": "n2", "tracking_code": "c2", "status": "handling", "colour": "blue",
             "accepted_at": datetime(2026, 3, 2, 2, 0)},
            {**case_row, "id": 3, "number": "n3", "tracking_code": "c3", "status": "received", "colour": "blue"},
        ])

        def event(case_id, kind, day, hour=2):
            return {"case_id": case_id, "kind": kind, "at": datetime(2026, 3, day, hour, 0), "actor": "t",
                    "detail": {}}

        conn.execute(audit.insert(), [
            event(1, "assigned", 2), event(1, "returned", 2), event(1, "assigned", 3), event(1, "escalated", 3),
            event(1, "escalated", 4), event(1, "satisfaction", 4), event(1, "reopened", 4),
            event(1, "satisfaction", 6),
            event(2, "assigned", 2), event(2, "satisfaction", 4), event(2, "reopened", 4),
        ])
    upgrade(url)
    with engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(sa.text(
            'SELECT id, assigned_at, return_count, escalation_count, followed_up_at, handling_workdays FROM "case"'))}
    engine.dispose()
    one, two, three = rows[1], rows[2], rows[3]
    assert str(one.assigned_at).startswith("2026-03-02 02:00")
    assert (one.return_count, one.escalation_count, one.handling_workdays) == (1, 2, 3)
    assert str(one.followed_up_at).startswith("2026-03-06 02:00")
    assert two.followed_up_at is None and two.handling_workdays is None and two.return_count == 0
    assert (three.assigned_at, three.return_count, three.escalation_count) == (None, 0, 0)


def test_0025_fills_check_method_and_relapses_from_the_audit_trail(tmp_path):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    upgrade(url, "0023")
    engine = sa.create_engine(url)
    base = {"channel": "hotline", "category": "air", "title": "t", "description": "", "complainant_anonymous": False,
            "urgent": False, "colour": "green", "tier": 1, "reopened": False, "extension_days": 0,
            "received_at": datetime(2026, 3, 2, 2, 0), "status": "closed", "accepted_at": datetime(2026, 3, 2, 2, 0),
            "return_count": 0, "escalation_count": 0}
    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        case, audit = meta.tables["case"], meta.tables["audit_event"]
        conn.execute(case.insert(), [{**base, "id": i, "number": f"n{i}", "tracking_code": f"c{i}"} for i in (1, 2, 3)])

        def event(case_id, kind, detail=None):
            return {"case_id": case_id, "kind": kind, "at": datetime(2026, 3, 3, 2, 0), "actor": "t",
                    "detail": detail or {}}

        conn.execute(audit.insert(), [
            # A joint department checked by video, then the lead handler on site: the last one says.
            event(1, "task_completed", {"task": "joint_handle", "data": {"check_method": "video"}}),
            event(1, "task_completed", {"task": "handle", "data": {"check_method": "on_site"}}),
            event(1, "relapsed"), event(1, "relapsed"),
            event(2, "task_completed", {"task": "handle", "data": {"check_method": "drone"}}),
            event(2, "task_completed", {"task": "review", "data": {"approved": True}}),
            event(3, "task_completed", {"task": "receive", "data": {}}),
        ])
    upgrade(url)
    with engine.connect() as conn:
        rows = {r.id: (r.check_method, r.relapse_count) for r in conn.execute(sa.text(
            'SELECT id, check_method, relapse_count FROM "case"'))}
        stats = dict(conn.execute(sa.text(
            "SELECT fact, n FROM case_stat WHERE dimension = 'all' AND fact IN ('handled', 'handled_non_site', "
            "'relapsed')")).all())
    engine.dispose()
    assert rows == {1: ("on_site", 2), 2: ("drone", 0), 3: (None, 0)}
    assert stats == {"handled": 2, "handled_non_site": 1, "relapsed": 1}
