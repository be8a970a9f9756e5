"""GET /api/v1/ledger as an attack surface: the token's scope, another department's or town's
cases, and the complainant behind a masked title."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select, update

from engine.models import Case, Department
from tests.engine.ledger.conftest import ledger_cases  # noqa: F401
from tests.web.api.test_api_v1 import error, token_for

PHONE = "13912345678"


@pytest.fixture
def api(app, env, ledger_cases):  # noqa: F811
    env.clock.set(datetime(2026, 3, 16, 2, tzinfo=timezone.utc))
    return app.test_client()


def _rows(api, headers, query=""):
    response = api.get(f"/api/v1/ledger?from=2026-03-01&to=2026-03-31&per_page=100&{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["items"]


def test_a_token_without_the_ledger_scope_is_refused(env, api):
    error(api.get("/api/v1/ledger"), 401)
    for scope in ("stats:read", "cases:read"):
        error(api.get("/api/v1/ledger", headers=token_for(env, scope, user="supervisor")), 403, "insufficient_scope")
    # A staff member without statistics has no ledger, whatever the token says.
    error(api.get("/api/v1/ledger", headers=token_for(env, "ledger:read", user="handler")), 403, "forbidden")


def test_a_lead_reads_only_their_department_s_rows(env, api):
    lead = token_for(env, "ledger:read", user="lead")  # 大气环境科
    rows = _rows(api, lead)
    assert rows and {r["department"] for r in rows} == {"大气环境科"}
    # Filtering on another department narrows the scope, never widens it.
    assert _rows(api, lead, "department=enforcement") == []


def test_a_town_supervisor_reads_only_their_town(env, api):
    town = token_for(env, "ledger:read", user="town")
    assert {r["town_code"] for r in _rows(api, town)} == {"T01"}
    error(api.get("/api/v1/ledger?town=T02", headers=town), 422)  # not among their towns, as on the page


def test_a_cursor_cannot_reach_past_the_scope(env, api):
    lead = token_for(env, "ledger:read", user="lead")
    everything = token_for(env, "ledger:read", user="admin")
    first = api.get("/api/v1/ledger?from=2026-03-01&to=2026-03-31&per_page=1", headers=everything).get_json()
    rows = _rows(api, lead, f"cursor={first['next_cursor']}")
    assert {r["department"] for r in rows} <= {"大气环境科"}


def test_the_complainant_is_masked_for_leads_and_machine_tokens(env, api):
    env.clock.set(datetime(2026, 3, 16, 2, tzinfo=timezone.utc))
    case = env.register(title=f"投诉人李四，手机{PHONE}，反映异味", complainant_name="李四", complainant_phone=PHONE)
    with env.db.write() as s:
        air = s.scalar(select(Department.id).where(Department.code == "air"))
        s.execute(update(Case).where(Case.id == case.id).values(department_id=air))
    for headers in (token_for(env, "ledger:read", user="lead"), token_for(env, "ledger:read")):
        body = api.get("/api/v1/ledger?from=2026-03-01&to=2026-03-31&per_page=100", headers=headers)
        text = body.get_data(as_text=True)
        row = next(r for r in body.get_json()["items"] if r["id"] == case.id)
        assert "反映异味" in row["title"] and PHONE not in text and "李四" not in text
        assert not any("complainant" in key for key in row)
    # Someone who may see the complainant reads the title as written (as on the /ledger page).
    admin = _rows(api, token_for(env, "ledger:read", user="admin"))
    assert any(PHONE in r["title"] for r in admin)
