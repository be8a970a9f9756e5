"""The demo's register: a few hundred enterprises with valid credit codes, and a positive list."""
from datetime import date

from sqlalchemy import select

from engine.enterprises.credit_code import is_valid
from engine.enterprises.positive_list import public_list
from engine.enterprises.sample import seed_positive_list, seed_register
from engine.models.enterprise import Enterprise, MonitoringPoint


def test_the_demo_register_and_positive_list(env):
    assert env.run(seed_register, count=300) == 300
    assert env.run(seed_register) == 0  # once
    assert env.run(seed_positive_list, count=5) == 5
    with env.db.read() as s:
        codes = list(s.scalars(select(Enterprise.credit_code)))
        assert len(codes) == 300 and all(is_valid(c) for c in codes)
        assert s.scalars(select(MonitoringPoint)).first() is not None
        assert len(public_list(s, date(2026, 6, 1))) == 5
