"""The enforcement counts (engine/measures/enforcement.py): cases filed, fines, production limits
and handovers in a period, within the viewer's statistics scope."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import false, true

from engine.measures import Period
from engine.measures.enforcement import enforcement_figures
from tests.engine.enforcement.conftest import add_agency_officer

TZ = "Asia/Shanghai"
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
APRIL = Period(date(2026, 4, 1), date(2026, 4, 30))


def _figures(env, period, scope=true()):
    with env.db.read() as s:
        return enforcement_figures(s, period, scope=scope, tz=TZ)


def test_counts_follow_the_steps_taken_in_the_period(env, violating):
    assert _figures(env, MARCH) == {"enforcement_filed": 0, "enforcement_fines": Decimal("0.00"),
                                    "enforcement_limits": 0, "enforcement_handovers": 0}
    add_agency_officer(env)
    env.complete(violating, "en_file", {"party": "示范化工有限公司", "violation": "废气直排"}, actor="lead2")
    env.complete(violating, "en_investigate", {"findings": "超标", "crime_suspected": True}, actor="handler2")
    env.complete(violating, "en_handover", {"police_department": "police", "receiver": "王警官",
                                            "received_on": "2026-03-03", "handover_reason": "涉嫌犯罪"},
                 actor="handler2")
    env.complete(violating, "en_police", {"decision": "not_filed"}, actor="police1")
    env.complete(violating, "en_decide", {"fine_yuan": 123456.5, "production_limit": "stop",
                                          "limit_start": "2026-03-10", "limit_end": "2026-04-10",
                                          "correction_order": "停产整治", "correction_days": 20}, actor="lead2")
    assert _figures(env, MARCH) == {"enforcement_filed": 1, "enforcement_fines": Decimal("123456.50"),
                                    "enforcement_limits": 1, "enforcement_handovers": 1}
    assert _figures(env, APRIL)["enforcement_filed"] == 0
    # Outside the viewer's scope nothing counts.
    assert _figures(env, MARCH, scope=false())["enforcement_filed"] == 0
