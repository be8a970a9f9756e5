"""Schemathesis against the served /api/v1/openapi.json, through the Flask app over WSGI: for
every operation, valid and invalid generated requests (15 examples each, so the run stays well
under a minute) never get a 500, and every answer matches the status codes, content types and
schemas the document declares."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks
from sqlalchemy import true

from documents.issue import issue_now
from engine.org.api_tokens import SCOPES, USER_ONLY_SCOPES, create_token

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]
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
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    headers = tokens(env)
    seen: dict[str, set[int]] = {}

    def run(operation, mode) -> None:
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            for auth in headers.values():
                response = case.call(headers=auth)
                seen.setdefault(operation.label, set()).add(response.status_code)
                case.validate_response(response, checks=CHECKS)

        check()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(operation, mode)

    # The run reached past authentication: successes and field errors on the write operations.
    assert 201 in seen["POST /cases"] and 422 in seen["POST /cases"]
    assert 200 in seen["GET /cases"] and 404 in seen["GET /cases/{case_id}"]
    assert all(500 not in codes for codes in seen.values())
