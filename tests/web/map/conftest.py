"""A county with its generated boundaries and open cases in T01 and T02 for the map's tests."""
from __future__ import annotations

import pytest
from sqlalchemy import update

from engine.geo import boundaries
from engine.models import Case
from tests.conftest import START


@pytest.fixture
def county_map(env):
    """Generated boundaries; a red case with coordinates in T01, a yellow one in T01 placed by its
    work area, a blue tier-2 noise case in T02, and a closed one (not on the map)."""
    with env.db.write() as s:
        boundaries.use_generated(s, "admin", START)
    cases = {
        "red": env.register(title="城关镇化工厂夜间排放，请联系13912345678", complainant_name="李四",
                            complainant_phone="13912345678", longitude=112.91, latitude=27.71),
        "yellow": env.register(title="城关镇搅拌站扬尘", grid_code="T01-A02-V01"),
        "t02": env.register(title="东城街道夜间施工噪声", grid_code="T02-A01-V01", category="noise"),
        "closed": env.register(title="已办结的投诉", grid_code="T01-A01-V02"),
    }
    with env.db.write() as s:
        for name, values in {"red": {"colour": "red"}, "yellow": {"colour": "yellow"}, "t02": {"tier": 2},
                             "closed": {"status": "closed", "colour": "green"}}.items():
            s.execute(update(Case).where(Case.id == cases[name].id).values(**values))
    return cases
