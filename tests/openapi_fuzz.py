"""Schemathesis through the Flask app over WSGI: for every operation of an OpenAPI description,
valid and invalid generated requests, each answer checked against the description (no 500, the
declared status codes, content types and schemas). Used for /api/v1 and for Open311."""
from __future__ import annotations

from collections.abc import Callable, Iterable

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

CHECKS = [checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
          checks.response_schema_conformance]


def operations(app, url: str) -> list:
    """Every operation the description served at `url` declares."""
    return [result.ok() for result in schemathesis.openapi.from_wsgi(url, app).get_all_operations()]


Send = Callable[[object, GenerationMode, object], Iterable]


def fuzz(found: list, examples: int, send: Send) -> dict[str, set[int]]:
    """`examples` generated requests of each kind (valid, then invalid) for each operation;
    `send(operation, mode, case)` sends one and returns the responses it got. Every response is
    checked against the description; the answer is the status codes seen, by operation."""
    seen: dict[str, set[int]] = {}

    def run(operation, mode) -> None:
        @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def check(case):
            for response in send(operation, mode, case):
                seen.setdefault(operation.label, set()).add(response.status_code)
                case.validate_response(response, checks=CHECKS)

        check()

    for operation in found:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(operation, mode)
    return seen
