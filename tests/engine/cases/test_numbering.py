"""Case numbers: gapless per year, given at the end of the case's first step (engine/cases/numbering.py)."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from engine.cases import numbering
from engine.cases.intake import register_case
from engine.models import Case, CaseCounter, Notification


def _numbers(env) -> list[str]:
    with env.db.read() as s:
        return list(s.scalars(select(Case.number).order_by(Case.id)))


def test_numbers_follow_each_other_and_the_first_of_a_year_starts_the_count(env):
    # The baseline has no counter row: the first case creates it.
    with env.db.read() as s:
        assert s.scalar(select(CaseCounter.last).where(CaseCounter.year == 2026)) is None
    cases = [env.register() for _ in range(3)]
    assert [c.number for c in cases] == _numbers(env) == [f"环字〔2026〕第{n:06d}号" for n in (1, 2, 3)]
    env.clock.advance(days=365)  # 2027 in Shanghai: a count of its own
    assert env.register().number == "环字〔2027〕第000001号"


def test_what_the_first_step_tells_shows_the_real_number(env):
    case = env.register()
    with env.db.read() as s:
        titles = list(s.scalars(select(Notification.body).where(Notification.body.is_not(None))))
        titles += list(s.scalars(select(Notification.title)))
    assert any(case.number in t for t in titles)
    assert not any("provisional" in (t or "") for t in titles)


def test_a_registration_that_fails_after_numbering_gives_its_number_back(env):
    first = env.register()
    bindings = env.runtime.bindings

    def broken(_outcome):
        raise RuntimeError("notification store down")

    # The hook after the numbering one fails: the whole registration rolls back, number included.
    assert bindings.after_step[0] is numbering.from_step
    env.runtime.bindings = replace(bindings, after_step=(numbering.from_step, broken))
    with pytest.raises(RuntimeError):
        env.register()
    env.runtime.bindings = bindings
    second = env.register()
    assert (first.number, second.number) == ("环字〔2026〕第000001号", "环字〔2026〕第000002号")
    assert env.count() == 2


def test_no_provisional_number_is_ever_committed(env):
    for _ in range(3):
        env.run(register_case, {"channel": "public", "category": "water", "title": "河道发黑",
                                "complainant_anonymous": True}, "public")
    assert all(n.startswith("环字〔2026〕第") for n in _numbers(env))
