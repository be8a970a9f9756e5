"""Open311 under generated input: Schemathesis drives every operation of the OpenAPI description
kept beside the routes (webapp/open311/openapi.py, served at /open311/v2/openapi.json), valid and
invalid requests, JSON and XML, signed with a real api_key or not; no answer is a 500 and every
answer holds to the description. And looking a case up by its token is limited like the portal's
tracking page, on one shared counter."""
from __future__ import annotations

import pytest
from schemathesis import GenerationMode

from engine.org.api_tokens import create_token
from tests.openapi_fuzz import fuzz, operations
from webapp.extensions import CODE_LOOKUP_DEFAULT, limiter

BASE = "/open311/v2"
EXAMPLES = 20


@pytest.fixture
def fuzzed(env, app):
    app.config.update(OPEN311_READ_RATE_LIMIT="100000 per minute", OPEN311_SUBMIT_RATE_LIMIT="100000 per minute",
                      CASE_CODE_LOOKUP_LIMIT="100000 per minute")
    return app, [env.register(title=title) for title in ("化工厂异味", "工地夜间施工")]


def test_every_open311_operation_holds_to_its_description_and_never_fails(env, fuzzed):
    app, cases = fuzzed
    found = operations(app, f"{BASE}/openapi.json")
    assert len(found) == 7
    api_key = env.run(create_token, "fuzz", ["open311:submit"], created_by="admin")[1]

    def send(operation, mode, case):
        if mode == GenerationMode.POSITIVE:
            # Past authentication and to cases that exist, so the handlers run, not only refusals.
            if operation.method.upper() == "POST" and isinstance(case.body, dict):
                case.body["api_key"] = api_key
                case.body.setdefault("address_string", "城关镇建设路 8 号")
            if "service_request_id" in (case.path_parameters or {}):
                case.path_parameters["service_request_id"] = cases[0].number
            if "token" in (case.path_parameters or {}):
                case.path_parameters["token"] = cases[1].tracking_code
        return [case.call()]

    seen = fuzz(found, EXAMPLES, send)

    assert all(500 not in codes for codes in seen.values()), seen
    # The run reached the handlers: answers and refusals, not only routing errors.
    assert 200 in seen["GET /requests.{format}"] and 400 in seen["GET /requests.{format}"]
    assert {201, 400, 403} <= seen["POST /requests.{format}"]
    assert 200 in seen["GET /requests/{service_request_id}.{format}"] and 200 in seen["GET /tokens/{token}.{format}"]
    assert 200 in seen["GET /services/{service_code}.{format}"]


def test_the_token_lookup_is_limited_like_the_portal_on_one_counter(env, app):
    limiter.reset()
    allowed = int(CODE_LOOKUP_DEFAULT.split(" per ")[0])
    client = app.test_client()
    environ = {"REMOTE_ADDR": "198.51.100.31"}
    codes = [client.get(f"{BASE}/tokens/ZZZZZZZZ{i:02d}.json", environ_base=environ).status_code
             for i in range(allowed + 1)]
    assert codes == [404] * allowed + [429]
    # The portal's tracking page shares the counter: its guesses were used up too.
    assert client.get("/public/track/ZZZZZZZZZZ", environ_base=environ).status_code == 429

    other = {"REMOTE_ADDR": "198.51.100.32"}
    for i in range(allowed - 5):
        assert client.get(f"/public/track/ZZZZZZZZ{i:02d}", environ_base=other).status_code == 404
    codes = [client.get(f"{BASE}/tokens/ZZZZZZZZ{i:02d}.xml", environ_base=other).status_code for i in range(6)]
    assert codes == [404] * 5 + [429]
    limiter.reset()
