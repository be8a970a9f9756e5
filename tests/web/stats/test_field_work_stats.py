"""The field-work figures on /stats and in GET /api/v1/stats: the patrol table (per town, work area
or officer) with its rates, and the share of non-site enforcement, relapses and recurrences as
measures — the same numbers engine/measures gives."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.models import Patrol, User
from tests.engine.measures.test_figures_from_rows import add, closed, local
from tests.engine.patrol.conftest import add_point, set_clock
from tests.web.api.test_api_v1 import token_for
from tests.web.stats.cases import page_tree, value_text


def _field_work(env):
    set_clock(env, "2026-02-20T09:00:00+08:00")
    point = add_point(env)
    set_clock(env, "2026-03-02T10:00:00+08:00")
    with env.db.read() as s:
        officer = s.scalar(select(User.id).where(User.username == "gridofficer"))
    with env.db.write() as s:
        first = add(s, **closed(check_method="online_monitoring", relapse_count=1), department="air")
        add(s, **closed(check_method="on_site"), department="air", recurrence_of_id=first.id)
        for slot, (status, on_time) in enumerate([("done", True), ("done", False), ("missed", None)]):
            due = local(1, 23, 59) - timedelta(days=slot)
            s.add(Patrol(point_id=point.id, slot=slot, officer_id=officer, grid_path=point.grid_path,
                         opens_at=due - timedelta(hours=14), due_at=due, status=status, on_time=on_time,
                         checked_in_at=due - timedelta(hours=1) if status == "done" else None))
    return officer


def test_the_statistics_page_shows_the_patrols_and_the_share_of_non_site_enforcement(env, as_user):
    officer = _field_work(env)
    tree = page_tree(as_user("supervisor").get("/stats"))
    assert value_text(tree.xpath('//li[@id="measure-non_site_rate"]')[0]) == "50.0%"
    assert value_text(tree.xpath('//li[@id="measure-relapsed"]')[0]) == "1"
    assert value_text(tree.xpath('//li[@id="measure-recurrent"]')[0]) == "1"

    def patrol_row(key):
        [row] = tree.xpath(f'//table[@id="patrol-figures"]//tr[@data-key="{key}"]')
        return {td.get("data-figure"): " ".join(td.text_content().split()) for td in row.xpath("./td")}

    # Due in March by 2 March: one done on time on 1 March; 28 Feb and 27 Feb are February's.
    assert patrol_row("T01") == {"due": "1", "done": "1", "on_time": "1", "problems": "0", "solved": "0",
                                 "done_rate": "100.0% 1/1", "on_time_rate": "100.0% 1/1", "solved_rate": "— 0/0"}
    tree = page_tree(as_user("supervisor").get("/stats?period=custom&from=2026-02-01&to=2026-03-31&patrol_by=officer"))
    assert patrol_row(str(officer))["due"] == "3" and patrol_row(str(officer))["on_time_rate"] == "33.3% 1/3"
    assert patrol_row("total")["done"] == "2"
    # A department lead has no patrol scope: the table is there, and empty.
    lead = page_tree(as_user("lead").get("/stats"))
    assert lead.xpath('//table[@id="patrol-figures"]//tr[@data-key]') == []


def test_the_api_gives_the_patrol_figures_and_the_new_measures(env, app):
    officer = _field_work(env)
    api = app.test_client()
    body = api.get("/api/v1/stats?from=2026-02-01&to=2026-03-31&patrol_by=officer",
                   headers=token_for(env, "stats:read")).get_json()
    assert body["total"]["measures"]["non_site_rate"] == {"numerator": 1, "denominator": 2, "value": 0.5}
    assert body["total"]["measures"]["relapsed"]["value"] == 1
    assert body["total"]["measures"]["recurrent"]["value"] == 1
    patrols = body["patrols"]
    assert patrols["by"] == "officer"
    assert patrols["total"]["due"] == 3 and patrols["total"]["done_rate"] == {
        "numerator": 2, "denominator": 3, "value": 2 / 3}
    assert [(r["key"], r["label"]) for r in patrols["rows"]] == [(str(officer), "城关镇网格员 陈静")]
    assert patrols["total"]["solved_rate"]["value"] is None
    bad = api.get("/api/v1/stats?patrol_by=village", headers=token_for(env, "stats:read"))
    assert bad.status_code == 422
