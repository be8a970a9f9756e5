"""Statistics (GET /api/v1/stats and the case list's drill-down): a lead reads only their
department's figures, a handler none, and slice and filter values cannot reach the SQL."""
from __future__ import annotations

import pytest

from tests.engine.measures.test_figures_from_rows import add, closed
from tests.web.api.test_api_v1 import error, token_for


@pytest.fixture
def api(app):
    return app.test_client()


@pytest.fixture
def two_departments(env):
    with env.db.write() as s:
        add(s, department="air", **closed())
        add(s, department="enforcement", **closed())
        add(s, department="enforcement", status="handling", accepted_at=closed()["accepted_at"])


def test_a_lead_cannot_read_another_department_s_figures(env, api, two_departments):
    lead = token_for(env, "stats:read", user="lead")  # lead of the air department
    own = api.get("/api/v1/stats?period=year", headers=lead).get_json()
    assert own["total"]["facts"]["accepted"] == 1
    other = api.get("/api/v1/stats?period=year&department=enforcement", headers=lead).get_json()
    assert other["total"]["facts"]["received"] == 0
    sliced = api.get("/api/v1/stats?period=year&by=department", headers=lead).get_json()
    assert [row["key"] for row in sliced["slices"]] == ["air"]


def test_a_handler_has_no_statistics(env, api, as_user, two_departments):
    error(api.get("/api/v1/stats", headers=token_for(env, "stats:read", user="handler")), 403)
    # The drill-down on the case list stays within the handler's own case scope.
    page = as_user("handler2").get("/cases?measure=accepted&from=2026-01-01&to=2026-12-31&by=department&key=air")
    assert page.status_code == 200 and "共 0 件" in page.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "town=T01%27%20OR%20%271%27%3D%271", "department=air%27%20OR%201%3D1%20--", "area=%25", "town=_%25",
    "department=%25"])
def test_filter_values_are_values_not_sql(env, api, two_departments, query):
    reader = token_for(env, "stats:read")
    body = api.get(f"/api/v1/stats?period=year&{query}", headers=reader).get_json()
    assert body["total"]["facts"]["received"] == 0, query


@pytest.mark.parametrize("query, status", [
    ("by=grid_path%3B%20DROP%20TABLE%20%22case%22", 422), ("by=town%27", 422), ("tier=1%20OR%201%3D1", 422),
    ("town=T01%00", 400)])
def test_slices_outside_the_list_are_refused(env, api, query, status):
    reader = token_for(env, "stats:read")
    error(api.get(f"/api/v1/stats?{query}", headers=reader), status)
