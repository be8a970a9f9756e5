"""One decorator per API operation: it registers the route, checks the token's scope, loads the
query and body through their marshmallow schemas, dumps the answer through the response schema,
and records all of it so that /api/v1/openapi.json describes exactly what the code does.

(flask-smorest would do this too, but its ``Api`` object installs error handlers for every HTTP
error of the whole app, and the staff pages keep their own HTML errors.)
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema

from webapp.api.auth import rate_key, rate_limit, require
from webapp.api.errors import MESSAGES, ApiError
from webapp.api.schemas.common import ErrorSchema
from webapp.extensions import limiter
from webapp.json_limits import read_json_body

TITLE = "greenloop API"
VERSION = "1.0.0"
DESCRIPTION = (
    "环境信访投诉闭环办理系统的机器接口 (machine interface of the complaint-handling system). "
    "Authenticate with `Authorization: Bearer <token>`; each operation names the scope it needs. "
    "Errors are `{code, message, errors}`. Open311 GeoReport v2 is served separately at /open311/v2/."
)
ID_MAX = 2_147_483_647  # path ids beyond a 32-bit integer cannot exist


@dataclass
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    scope: str | None
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    media: str | None = None  # a non-JSON answer (a PDF download)
    description: str = ""
    also_ok: tuple[tuple[int, str], ...] = ()  # other success codes with the same body
    path_params: list[dict] = field(default_factory=list)


OPERATIONS: list[Operation] = []
_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []
    for converter, name in _PARAM.findall(rule):
        schema = {"type": "integer", "minimum": 1, "maximum": ID_MAX} if converter == "int" else \
            {"type": "string", "maxLength": 64}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule), params


def operation(bp: Blueprint, rule: str, method: str = "GET", *, summary: str, tag: str, scope: str | None,
              query: type[Schema] | None = None, body: type[Schema] | None = None,
              response: type[Schema] | None = None, status: int = 200, errors: tuple[int, ...] = (),
              media: str | None = None, description: str = "",
              also_ok: tuple[tuple[int, str], ...] = ()) -> Callable:
    """Register ``view(client, **path_args, [query=…], [body=…])`` at ``rule``.

    The view returns data for ``response`` (dumped as JSON with ``status``) or a ready Response.
    """

    def decorate(view: Callable) -> Callable:
        path, params = _path(rule)
        OPERATIONS.append(Operation(path, method.lower(), view.__name__, summary, tag, scope, query, body, response,
                                    status, errors, media, description or (view.__doc__ or "").strip(),
                                    also_ok=also_ok, path_params=params))

        @wraps(view)
        def endpoint(**kwargs):
            client = require(scope)
            # Bounds are checked here, not by the route converter: a converter that refuses a
            # value stops URL matching, and the app's HTML 404 would answer instead of the API's.
            # NUL: PostgreSQL refuses it in any text it is asked to compare, so no such id exists.
            if any(isinstance(v, int) and not 1 <= v <= ID_MAX or isinstance(v, str) and "\x00" in v
                   for v in kwargs.values()):
                raise ApiError(404)
            if query is not None:
                kwargs["query"] = query().load(request.args.to_dict())
            if body is not None:
                payload, problem = read_json_body()
                if problem or not isinstance(payload, dict):
                    raise ApiError(400, problem or "请求体须为 JSON 对象 (the body must be a JSON object)")
                kwargs["body"] = body().load(payload)
            result = view(client, **kwargs)
            if isinstance(result, Response):
                return result
            answer = jsonify(response().dump(result) if response is not None else result)
            answer.status_code = status
            return answer

        limited = limiter.limit(rate_limit, key_func=rate_key)(endpoint)
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=limited, methods=[method])
        return limited

    return decorate


def _responses(op: Operation) -> dict:
    if op.media:
        ok = {"description": "OK", "content": {op.media: {"schema": {"type": "string", "format": "binary"}}}}
    elif op.response is not None:
        ok = {"description": "OK", "content": {"application/json": {"schema": op.response}}}
    else:
        ok = {"description": "OK"}
    codes = set(op.errors) | {429}
    if op.scope:
        codes |= {401, 403}
    if op.path_params:
        codes.add(404)
    if op.query or op.body:
        # 400: a NUL anywhere in the input refuses the request (webapp/input_hygiene.py).
        codes |= {400, 422}
    if op.body:
        codes |= {400, 413}
    responses = {str(op.status): ok}
    for code, description in op.also_ok:
        responses[str(code)] = {**ok, "description": description}
    for code in sorted(codes):
        responses[str(code)] = {"description": MESSAGES.get(code, ""),
                                "content": {"application/json": {"schema": ErrorSchema}}}
    return responses


def build_spec(server_url: str = "/api/v1") -> dict:
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.0.3", plugins=[MarshmallowPlugin()],
                   info={"description": DESCRIPTION}, servers=[{"url": server_url}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        entry = {"operationId": op.endpoint, "summary": op.summary, "tags": [op.tag],
                 "parameters": list(op.path_params), "responses": _responses(op)}
        if op.description:
            entry["description"] = op.description
        if op.scope:
            entry["security"] = [{"bearer": []}]
            entry["summary"] = f"{op.summary} [{op.scope}]"
        if op.query is not None:
            entry["parameters"].append({"in": "query", "schema": op.query})
        if op.body is not None:
            entry["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
        paths.setdefault(op.rule, {})[op.method] = entry
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def spec_document() -> dict:
    cached = current_app.extensions.get("greenloop_openapi")
    if cached is None:
        cached = current_app.extensions["greenloop_openapi"] = build_spec()
    return cached
