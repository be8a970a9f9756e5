"""GET /api/v1/stats: every measure with numerator, denominator and value, slices and trend, the
period from presets or dates, and who may read which figures."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import true

from engine.measures import Period, measure
from tests.engine.measures.test_figures_from_rows import add, closed, local
from tests.web.api.test_api_v1 import error, token_for


@pytest.fixture
def api(app):
    return app.test_client()


@pytest.fixture
def march(env):
    """Four cases received in March 2026 (clock: 2 March): two in 城关镇 (one closed on time and
    rated satisfied), one in T02, one without a place."""
    with env.db.write() as s:
        add(s, town="T01", department="air", **closed(satisfaction="satisfied", followed_up_at=local(6),
                                                      handling_workdays=3))
        add(s, town="T01", department="air", status="handling", colour="red", accepted_at=local(2),
            escalation_count=1)
        add(s, town="T02", category="water", status="merged", colour="green")
        add(s, town=None, channel="grid")


def test_a_year_by_town_with_every_measure_its_numerator_and_denominator(env, api, march):
    reader = token_for(env, "stats:read", user="supervisor")
    r = api.get("/api/v1/stats?period=year&by=town", headers=reader)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["period"] == {"from": "2026-01-01", "to": "2026-12-31", "kind": "year", "timezone": "Asia/Shanghai"}
    total = body["total"]
    assert total["facts"]["received"] == 4 and total["facts"]["accepted"] == 2
    assert total["measures"]["closure_rate"] == {"numerator": 1, "denominator": 2, "value": 0.5}
    assert total["measures"]["repeat_rate"] == {"numerator": 1, "denominator": 4, "value": 0.25}
    assert total["measures"]["satisfaction_rate"] == {"numerator": 1, "denominator": 1, "value": 1.0}
    assert total["measures"]["return_rate"] == {"numerator": 0, "denominator": 1, "value": 0.0}
    assert total["measures"]["overdue"] == {"numerator": 1, "denominator": None, "value": 1}
    assert total["measures"]["handling_time"] == {"cases": 1, "mean": 3.0, "median": 3.0}
    assert [(row["key"], row["label"], row["facts"]["received"]) for row in body["slices"]] == [
        ("T01", "城关镇", 2), ("T02", body["slices"][1]["label"], 1), (None, "未定位", 1)]
    assert body["trend"] is None
    assert {d["code"] for d in body["definitions"]} >= {"closure_rate", "on_time_rate", "handling_time"}
    # The engine's own figures, not a second computation.
    with env.db.read() as s:
        engine_total = measure(s, Period.preset("year", date(2026, 3, 2)), scope=true(), tz="Asia/Shanghai").total
    assert total == engine_total.as_dict()


def test_dates_filters_and_trend(env, api, march):
    reader = token_for(env, "stats:read")  # a machine client: the whole county
    body = api.get("/api/v1/stats?from=2026-03-01&to=2026-03-31&town=T01&trend=week", headers=reader).get_json()
    assert body["period"]["kind"] == "month" and body["filters"] == {"town": "T01"}
    assert body["total"]["facts"]["received"] == 2
    assert [p["from"] for p in body["trend"]][:2] == ["2026-03-01", "2026-03-02"]
    assert sum(p["facts"]["received"] for p in body["trend"]) == 2
    empty = api.get("/api/v1/stats?from=2025-03-01&to=2025-03-31", headers=reader).get_json()
    assert empty["total"]["measures"]["closure_rate"] == {"numerator": 0, "denominator": 0, "value": None}
    body = api.get("/api/v1/stats?period=month&channel=grid&by=channel", headers=reader).get_json()
    assert [(row["key"], row["facts"]["received"]) for row in body["slices"]] == [("grid", 1)]


@pytest.mark.parametrize("query, field", [
    ("from=2026-03-31&to=2026-03-01", "to"), ("from=2026-03-01", "to"), ("from=yesterday&to=2026-03-01", "from"),
    ("by=grid_path", "by"), ("period=decade", "period"), ("category=air%27%20OR%201%3D1", "category"),
    ("tier=9", "tier"), ("trend=hour", "trend"), ("from=2000-01-01&to=2026-01-01", "to"),
    ("from=2024-01-01&to=2026-01-01&trend=day", "bucket")])
def test_bad_queries_are_422_naming_the_parameter(env, api, query, field):
    reader = token_for(env, "stats:read")
    body = error(api.get(f"/api/v1/stats?{query}", headers=reader), 422, "validation_error")
    assert field in body["errors"], body


def test_scope_and_roles(env, api, march):
    error(api.get("/api/v1/stats"), 401)
    error(api.get("/api/v1/stats", headers=token_for(env, "cases:read")), 403, "insufficient_scope")
    # A handler's token with the scope: still no statistics.
    error(api.get("/api/v1/stats", headers=token_for(env, "stats:read", user="handler")), 403)
    lead = api.get("/api/v1/stats?period=year", headers=token_for(env, "stats:read", user="lead")).get_json()
    assert lead["total"]["facts"]["received"] == 2  # the air department's cases
    town = api.get("/api/v1/stats?period=year", headers=token_for(env, "stats:read", user="town")).get_json()
    assert town["total"]["facts"]["received"] == 2  # 城关镇's subtree
    admin = api.get("/api/v1/stats?period=year", headers=token_for(env, "stats:read", user="admin")).get_json()
    assert admin["total"]["facts"]["received"] == 4


def test_the_openapi_document_describes_stats(env, api):
    spec = api.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/stats"]["get"]
    assert "stats:read" in op["summary"] and "办结率" in op["description"]
    names = {p["name"] for p in op["parameters"]}
    schemas = spec["components"]["schemas"]
    assert "StatsMeasures" in schemas and "closure_rate" in schemas["StatsMeasures"]["properties"]
    assert {"period", "from", "to", "by", "town", "department", "category", "channel", "tier", "trend"} <= names
    assert "移交公安" in op["description"]
    assert set(schemas["EnforcementFigures"]["properties"]) == {
        "enforcement_filed", "enforcement_fines", "enforcement_limits", "enforcement_handovers"}
    assert schemas["EnforcementFigures"]["properties"]["enforcement_fines"]["type"] == "string"


def test_the_enforcement_counts_are_the_enforcement_measures_within_the_readers_scope(env, api):
    from engine.measures.enforcement import enforcement_figures
    from tests.engine.enforcement.conftest import VIOLATION
    case = env.register(subject_enterprise="示范化工有限公司")
    env.accept_and_assign(case, department="enforcement")
    env.complete(case, "handle", VIOLATION, actor="handler2")
    env.complete(case, "en_file", {"party": "示范化工有限公司", "violation": "废气直排"}, actor="lead2")
    env.complete(case, "en_investigate", {"findings": "超标排放", "crime_suspected": False}, actor="handler2")
    env.complete(case, "en_decide", {"fine_yuan": 50000, "production_limit": "limit", "limit_start": "2026-03-10",
                                     "limit_end": "2026-04-10", "correction_order": "限期整改",
                                     "correction_days": 20}, actor="lead2")
    body = api.get("/api/v1/stats?period=year", headers=token_for(env, "stats:read")).get_json()
    assert body["enforcement"] == {"enforcement_filed": 1, "enforcement_fines": "50000.00",
                                   "enforcement_limits": 1, "enforcement_handovers": 0}
    with env.db.read() as s:  # the engine's figures, not a second computation
        engine_figures = enforcement_figures(s, Period.preset("year", date(2026, 3, 2)), scope=true(),
                                             tz="Asia/Shanghai")
    assert body["enforcement"]["enforcement_fines"] == f"{engine_figures['enforcement_fines']:.2f}"
    # The enforcement brigade's lead counts its cases; the air section's lead none of them.
    brigade = api.get("/api/v1/stats?period=year", headers=token_for(env, "stats:read", user="lead2")).get_json()
    air = api.get("/api/v1/stats?period=year", headers=token_for(env, "stats:read", user="lead")).get_json()
    assert brigade["enforcement"]["enforcement_filed"] == 1 and air["enforcement"]["enforcement_filed"] == 0
