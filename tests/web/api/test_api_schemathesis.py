"""Schemathesis against the served /api/v1/openapi.json, through the Flask app over WSGI: for
every operation, valid and invalid generated requests (15 examples each, so the run stays well
under a minute) never get a 500, and every answer matches the status codes, content types and
schemas the document declares."""
from __future__ import annotations

import pytest
from sqlalchemy import true

from documents.issue import issue_now
from engine.org.api_tokens import SCOPES, USER_ONLY_SCOPES, create_token
from tests.openapi_fuzz import CHECKS, fuzz, operations

EXAMPLES = 15


@pytest.fixture
def seeded(env, app, tmp_path):
    """A few cases with tasks and documents, so generated ids sometimes find something."""
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    app.config["API_RATE_LIMIT"] = "100000 per minute"  # hundreds of calls a second, by design
    for title in ("化工厂异味", "工地夜间施工"):
        case = env.register(title=title)
        env.run(issue_now, case.id, "acceptance_notice", actor="intake", scope=true())
    env.accept_and_assign(case, department="air")
    return app


def tokens(env) -> dict[str, dict]:
    admin = env.run(create_token, "admin all", list(SCOPES), created_by="admin", username="admin")[1]
    machine = env.run(create_token, "machine", [s for s in SCOPES if s not in USER_ONLY_SCOPES],
                           created_by="admin", channel="monitoring")[1]
    return {"admin": {"Authorization": f"Bearer {admin}"}, "machine": {"Authorization": f"Bearer {machine}"}}


def test_every_operation_holds_to_its_openapi_document(env, seeded):
    found = operations(seeded, "/api/v1/openapi.json")
    assert len(found) == 11
    headers = tokens(env)
    seen = fuzz(found, EXAMPLES,
                lambda operation, mode, case: [case.call(headers=auth) for auth in headers.values()])

    # The run reached past authentication: field errors on the write operation, lists and misses.
    assert 422 in seen["POST /cases"]
    assert 200 in seen["GET /cases"] and 404 in seen["GET /cases/{case_id}"]
    assert all(500 not in codes for codes in seen.values())

    # Whether generated data happens to make a valid case depends on hypothesis's draws; a valid
    # one, checked against the same description, is made on purpose.
    create = next(op for op in found if op.label == "POST /cases")
    valid = create.Case(body={"channel": "hotline", "category": "air", "title": "夜间异味", "grid_code": "T01-A01-V01",
                              "complainant_anonymous": True}, media_type="application/json")
    response = valid.call(headers=headers["admin"])
    assert response.status_code == 201, response.text
    valid.validate_response(response, checks=CHECKS)
