"""GET /api/v1/ledger: the /ledger page's rows as JSON — the period, the page's filters, keyset
paging through the whole ledger, and the same rows the engine's ledger holds."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.ledger.filters import LedgerFilters
from engine.ledger.rows import LedgerScope, iter_rows
from tests.engine.ledger.conftest import MARCH, ledger_cases  # noqa: F401
from tests.web.api.test_api_v1 import error, token_for


@pytest.fixture
def api(app, env, ledger_cases):  # noqa: F811
    env.clock.set(datetime(2026, 3, 16, 2, tzinfo=timezone.utc))
    return app.test_client()


def test_a_month_paged_by_cursor_holds_the_engine_s_rows_newest_first(env, api):
    reader = token_for(env, "ledger:read", user="supervisor")
    seen, cursor, pages = [], "", 0
    while True:
        body = api.get(f"/api/v1/ledger?from=2026-03-01&to=2026-03-31&per_page=2&cursor={cursor}",
                       headers=reader).get_json()
        assert body["total"] == 6 and len(body["items"]) <= 2
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    with env.db.read() as s:
        engine_rows = list(iter_rows(s, MARCH, LedgerFilters(), LedgerScope.everything(sees_identity=True),
                                     tz="Asia/Shanghai"))
    assert [r["id"] for r in seen] == [r.id for r in engine_rows]
    first = seen[0]
    assert first["title"] == "固废堆放" and first["received_at"] == "2026-03-31T15:30:00+00:00"
    assert set(first) >= {"colour", "stage", "tier", "department", "town", "leader", "stage_due", "closed_at",
                          "closed_on_time", "satisfaction"}
    owned = next(r for r in seen if r["leader"])
    assert owned["colour"] == "red" and owned["tier"] == 4


def test_default_period_is_this_month_and_filters_are_the_page_s(env, api):
    reader = token_for(env, "ledger:read")
    body = api.get("/api/v1/ledger", headers=reader).get_json()
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-31", "timezone": "Asia/Shanghai"}
    red = api.get("/api/v1/ledger?colour=red&town=T01", headers=reader).get_json()
    assert red["total"] == 2 and red["filters"] == {"colour": "red", "town": "T01"}
    assert {r["colour"] for r in red["items"]} == {"red"}
    owned = api.get("/api/v1/ledger?leader_owned=true", headers=reader).get_json()
    assert [r["tier"] for r in owned["items"]] == [4]
    assert api.get("/api/v1/ledger?from=2026-02-01&to=2026-02-28", headers=reader).get_json()["total"] == 1


@pytest.mark.parametrize("query, field", [
    ("colour=purple", "colour"), ("tier=9", "tier"), ("department=nobody", "department"), ("town=T99", "town"),
    ("from=2026-13-01", "from"), ("from=2026-03-10&to=2026-03-01", "to"), ("from=2020-01-01&to=2026-01-01", "to"),
    ("cursor=bm90LWEtY3Vyc29y", "cursor"), ("cursor=%25%25", "cursor")])
def test_input_the_page_refuses_is_refused(env, api, query, field):
    body = error(api.get(f"/api/v1/ledger?{query}", headers=token_for(env, "ledger:read")), 422)
    assert field in body["errors"], body


def test_the_operation_is_described(api):
    op = api.get("/api/v1/openapi.json").get_json()["paths"]["/ledger"]["get"]
    assert "ledger:read" in op["summary"] and "403" in op["responses"]
    assert {p["name"] for p in op["parameters"]} >= {"from", "to", "colour", "town", "cursor", "per_page"}
