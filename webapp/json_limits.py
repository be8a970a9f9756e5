"""Limits on JSON the app reads: how deep it may nest (everywhere) and how large an API body
may be.

Python's json parser recurses once per level: a body of 100 000 "[" raises RecursionError,
which is no ValueError, so ``request.get_json(silent=True)`` let it through as a 500. The app's
JSON provider turns it, and any value nested deeper than MAX_DEPTH, into JSONTooDeep (a
ValueError: Flask and Werkzeug already answer those 400, or ``None`` when silent). No request
the app serves needs more than a few levels.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider

from webapp.input_hygiene import clean_json

MAX_DEPTH = 32
API_BODY_BYTES = 1024 * 1024  # the API takes no files; its largest body is a case with its fields


class JSONTooDeep(ValueError):
    def __init__(self):
        super().__init__(f"JSON 嵌套超过 {MAX_DEPTH} 层 (JSON nested more than {MAX_DEPTH} levels)")


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


class BoundedJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise JSONTooDeep() from None
        if _depth_exceeds(value, MAX_DEPTH):
            raise JSONTooDeep()
        return value


def init_app(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)


def read_json_body() -> tuple[Any, str | None]:
    """The request's JSON body and None, or None and why it cannot be read (not JSON, not valid,
    nested too deeply). A body over the request's max_content_length raises 413 on reading."""
    if not request.is_json:
        return None, "请求体须为 JSON (the body must be JSON: Content-Type application/json)"
    data = request.get_data(cache=True)
    try:
        # The same cleaning every other input gets (webapp/input_hygiene.py; a NUL is refused).
        return clean_json(current_app.json.loads(data)), None
    except JSONTooDeep as err:
        return None, str(err)
    except ValueError:
        return None, "请求体不是有效的 JSON (the body is not valid JSON)"
