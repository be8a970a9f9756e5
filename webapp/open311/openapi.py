"""An OpenAPI 3 description of the GeoReport v2 endpoints this app serves (GeoReport itself has
none), served at /open311/v2/openapi.json for integrators and for tests/security/test_open311_fuzz.py,
which drives every operation with generated requests. Kept next to the routes: a route that
changes changes here too."""
from __future__ import annotations

from flask import jsonify

from engine.models import CATEGORIES
from webapp.open311.blueprint import bp

_TEXT = {"type": "string"}
_NULLABLE_TEXT = {"type": "string", "nullable": True}
_FORMAT = {"name": "format", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]},
           "description": "json 或 xml (the answer's format)"}
_ERRORS = {"type": "array", "items": {"type": "object", "required": ["code", "description"],
                                      "properties": {"code": {"type": "integer"}, "description": _TEXT}}}
_XML = {"text/xml": {"schema": {"type": "string"}}}


def _answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}, **_XML}}


def _errors(*codes: int) -> dict:
    texts = {400: "请求无效，errors 列出每个问题 (bad request: every problem listed)",
             403: "api_key 无效或无权提交 (invalid api_key)", 404: "不存在 (not found)",
             409: "流程出错，未登记 (the process could not go on)", 413: "请求过大 (request too large)",
             429: "请求过于频繁 (too many requests)"}
    # 404 everywhere: a path with a format other than json or xml names nothing.
    return {str(code): _answer(texts[code], _ERRORS) for code in sorted({*codes, 404, 429})}


_SERVICE = {"type": "object", "required": ["service_code", "service_name"], "properties": {
    "service_code": _TEXT, "service_name": _TEXT, "description": _TEXT, "metadata": {"type": "boolean"},
    "type": _TEXT, "keywords": _TEXT, "group": _TEXT}}
_ATTRIBUTE = {"type": "object", "required": ["code", "datatype"], "properties": {
    "variable": {"type": "boolean"}, "code": _TEXT, "datatype": _TEXT, "required": {"type": "boolean"},
    "datatype_description": _TEXT, "order": {"type": "integer"}, "description": _TEXT,
    "values": {"type": "array", "items": {"type": "object", "properties": {"key": _TEXT, "name": _TEXT}}}}}
_DEFINITION = {"type": "object", "required": ["service_code", "attributes"],
               "properties": {"service_code": _TEXT, "attributes": {"type": "array", "items": _ATTRIBUTE}}}
_NUMBER = {"type": "number", "nullable": True}
_REQUEST = {"type": "object", "required": ["service_request_id", "status"], "properties": {
    "service_request_id": _TEXT, "status": {"type": "string", "enum": ["open", "closed"]},
    "status_notes": _NULLABLE_TEXT, "service_name": _NULLABLE_TEXT, "service_code": _NULLABLE_TEXT,
    "description": _NULLABLE_TEXT, "agency_responsible": _NULLABLE_TEXT, "service_notice": _NULLABLE_TEXT,
    "requested_datetime": _NULLABLE_TEXT, "updated_datetime": _NULLABLE_TEXT, "expected_datetime": _NULLABLE_TEXT,
    "address": _NULLABLE_TEXT, "address_id": _NULLABLE_TEXT, "zipcode": _NULLABLE_TEXT, "lat": _NUMBER,
    "long": _NUMBER, "media_url": _NULLABLE_TEXT}}
_CREATED = {"type": "array", "items": {"type": "object", "required": ["service_request_id", "token"], "properties": {
    "service_request_id": _TEXT, "token": _TEXT, "service_notice": _NULLABLE_TEXT, "account_id": _NULLABLE_TEXT}}}
_TOKEN = {"type": "array", "items": {"type": "object", "required": ["service_request_id", "token"],
                                     "properties": {"service_request_id": _TEXT, "token": _TEXT}}}
_DISCOVERY = {"type": "object", "required": ["endpoints"], "properties": {
    "changeset": _TEXT, "contact": _TEXT, "key_service": _TEXT,
    "endpoints": {"type": "array", "items": {"type": "object", "properties": {
        "specification": _TEXT, "url": _TEXT, "changeset": _TEXT, "type": _TEXT,
        "formats": {"type": "array", "items": _TEXT}}}}}}
_W3C = {"type": "string", "format": "date-time", "description": "W3C 日期时间，带时区 (a W3C datetime with offset), e.g. 2026-03-02T10:00:00+08:00"}
_SUBMISSION = {"type": "object", "required": ["api_key", "service_code"], "properties": {
    "api_key": {"type": "string", "description": "API 令牌，需 open311:submit 权限 (a token with open311:submit)"},
    "service_code": {"type": "string", "enum": list(CATEGORIES)},
    "lat": {"type": "number", "minimum": -90, "maximum": 90}, "long": {"type": "number", "minimum": -180, "maximum": 180},
    "address_string": {"type": "string", "description": "lat/long、address_string、address_id 至少其一 "
                                                        "(one of them is required)"},
    "address_id": _TEXT, "email": _TEXT, "device_id": _TEXT, "account_id": _TEXT, "first_name": _TEXT,
    "last_name": _TEXT, "phone": _TEXT, "description": _TEXT, "media_url": _TEXT,
    "attribute[title]": _TEXT, "attribute[subject_type]": _TEXT, "attribute[subject_enterprise]": _TEXT,
    "attribute[town]": _TEXT}}


def _path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "greenloop Open311 GeoReport v2", "version": "2",
                 "description": "GeoReport v2 (http://wiki.open311.org/GeoReport_v2) as this bureau serves it: "
                                "our complaint categories as services, a case as a service request."},
        "servers": [{"url": "/open311/v2"}],
        "paths": {
            "/discovery.{format}": {"get": {
                "operationId": "discovery", "summary": "服务发现 (discovery)", "parameters": [_FORMAT],
                "responses": {"200": _answer("OK", _DISCOVERY), **_errors()}}},
            "/services.{format}": {"get": {
                "operationId": "services", "summary": "服务列表 (service list)", "parameters": [_FORMAT],
                "responses": {"200": _answer("OK", {"type": "array", "items": _SERVICE}), **_errors()}}},
            "/services/{service_code}.{format}": {"get": {
                "operationId": "service_definition", "summary": "服务属性 (service definition)",
                "parameters": [{**_path_param("service_code", "服务代码 (service code)"),
                                "schema": {"type": "string", "enum": list(CATEGORIES)}}, _FORMAT],
                "responses": {"200": _answer("OK", _DEFINITION), **_errors(404)}}},
            "/requests.{format}": {
                "get": {
                    "operationId": "requests", "summary": "服务请求列表 (service requests)",
                    "parameters": [_FORMAT, *({"name": name, "in": "query", "required": False, "schema": schema}
                                              for name, schema in (("service_request_id", _TEXT),
                                                                   ("service_code", _TEXT), ("start_date", _W3C),
                                                                   ("end_date", _W3C), ("status", _TEXT)))],
                    "responses": {"200": _answer("OK", {"type": "array", "items": _REQUEST}), **_errors(400)}},
                "post": {
                    "operationId": "submit", "summary": "提交服务请求 (submit a service request)",
                    "parameters": [_FORMAT],
                    "requestBody": {"required": True, "content": {
                        "application/x-www-form-urlencoded": {"schema": _SUBMISSION}}},
                    "responses": {"201": _answer("已登记 (registered)", _CREATED), **_errors(400, 403, 409, 413)}}},
            "/requests/{service_request_id}.{format}": {"get": {
                "operationId": "request", "summary": "一件服务请求 (one service request)",
                "parameters": [_path_param("service_request_id", "案件编号 (case number)"), _FORMAT],
                "responses": {"200": _answer("OK", {"type": "array", "items": _REQUEST}), **_errors(404)}}},
            "/tokens/{token}.{format}": {"get": {
                "operationId": "token", "summary": "由令牌查编号 (service request id from a token)",
                "parameters": [_path_param("token", "提交时返回的令牌 (the token the submission returned)"), _FORMAT],
                "responses": {"200": _answer("OK", _TOKEN), **_errors(404)}}},
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(document())
