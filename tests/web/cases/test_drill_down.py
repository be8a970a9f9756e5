"""The case list lists the cases behind a statistic (engine/measures/drilldown.py's URL shape)."""
from __future__ import annotations

from engine.measures import DrillDown, Filters, Period
from tests.engine.measures.test_figures_from_rows import add, closed, local
from tests.engine.measures.test_lifecycle_figures import MARCH


def _seed(env):
    with env.db.write() as s:
        done = add(s, town="T01", department="air", **closed())
        open_ = add(s, town="T01", department="air", status="handling", accepted_at=local(2))
        other = add(s, town="T02", department="air", **closed())
        april = add(s, town="T01", department="air", received=local(1, month=4), **closed())
    return done, open_, other, april


def test_a_figure_links_to_exactly_its_cases(env, as_user):
    done, open_, other, april = _seed(env)
    url = "/cases?" + "&".join(f"{k}={v}" for k, v in
                               DrillDown(MARCH, "closure_rate", "numerator", by="town", key="T01").as_args().items())
    page = as_user("supervisor").get(url).get_data(as_text=True)
    assert done.number in page and open_.number not in page and other.number not in page
    assert april.number not in page and "统计明细" in page and "城关镇" in page
    denominator = as_user("supervisor").get(url.replace("side=numerator", "side=denominator")).get_data(as_text=True)
    assert done.number in denominator and open_.number in denominator and other.number not in denominator


def test_the_list_keeps_to_the_viewer_s_scope(env, as_user):
    done, _open, other, _april = _seed(env)
    args = DrillDown(Period(MARCH.start, MARCH.end), "closed", filters=Filters()).as_args()
    url = "/cases?" + "&".join(f"{k}={v}" for k, v in args.items())
    # The town supervisor of 城关镇 (T01) does not see T02's case, whatever the link says.
    page = as_user("town").get(url).get_data(as_text=True)
    assert done.number in page and other.number not in page


def test_malformed_drill_down_is_a_400(env, as_user):
    browser = as_user("supervisor")
    assert browser.get("/cases?measure=nope&from=2026-03-01&to=2026-03-31").status_code == 400
    assert browser.get("/cases?measure=closed&from=2026-03-01").status_code == 400
    assert browser.get("/cases?measure=closed&from=2026-03-01&to=2026-03-31&by=town").status_code == 400
