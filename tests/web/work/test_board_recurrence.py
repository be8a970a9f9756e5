"""The board marks a repeat complaint (重复投诉, engine/cases/recurrence.py) and counts them."""
from __future__ import annotations

import re
from datetime import timedelta

from tests.engine.cases.test_recurrence import closed_case


def test_a_repeat_complaint_is_marked_and_counted_on_the_board(env, as_user):
    closed_case(env, subject_enterprise="某化工有限公司", grid_code="T01-A01-V01")
    env.clock.set(env.clock.now() + timedelta(days=30))
    repeat = env.register(subject_enterprise="某化工有限公司", title="又闻到<异味>")
    env.register(subject_enterprise="别的公司", grid_code="T02-A01-V01", title="新问题")
    html = as_user("supervisor").get("/board").get_data(as_text=True)
    assert re.search(r'id="count-recurrence">1<', html)
    row = next(r for r in html.split('<tr class="board-row"') if "又闻到&lt;异味&gt;" in r)
    assert "重复投诉" in row and str(env.case(repeat).number) in row
    other = next(r for r in html.split('<tr class="board-row"') if "新问题" in r)
    assert "重复投诉" not in other
