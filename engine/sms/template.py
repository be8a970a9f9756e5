"""Filling the HTTP gateway's request template: the placeholders {phone} {text} {sign} {secret},
each escaped for where it stands (URL-encoded in the address and in a form body, JSON-escaped in a
JSON body, refused in a header if it would break the line).

Only these four names are replaced, by a plain regular expression: the template is never given to
``str.format`` (whose ``{0.__class__...}`` fields could read the program's objects and settings),
and every other brace is left alone so a JSON body can be written as it is.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from engine.sms.settings import SmsSettings, header_lines

PLACEHOLDER = re.compile(r"\{(phone|text|sign|secret)\}")


class TemplateError(ValueError):
    pass


@dataclass(frozen=True)
class GatewayRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None


def fill(template: str, values: dict[str, str], escape: Callable[[str], str]) -> str:
    return PLACEHOLDER.sub(lambda m: escape(values[m.group(1)]), template)


def json_string(value: str) -> str:
    """The inside of a JSON string literal (the template supplies the quotes)."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def _header_value(value: str) -> str:
    if any(c in value for c in "\r\n\0"):
        raise TemplateError("a header value would contain a line break")
    try:
        value.encode("latin-1")  # what HTTP headers can carry
    except UnicodeEncodeError:
        raise TemplateError("a header value would contain characters HTTP headers cannot carry") from None
    return value


def body_escape(headers: dict[str, str]) -> Callable[[str], str]:
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "").lower()
    if "json" in content_type:
        return json_string
    if "x-www-form-urlencoded" in content_type:
        return quote_plus
    return lambda value: value


def build_request(settings: SmsSettings, phone: str, text: str) -> GatewayRequest:
    values = {"phone": phone, "text": text, "sign": settings.sign, "secret": settings.secret}
    url = fill(settings.url, values, lambda v: quote(v, safe=""))
    headers = {name: fill(value, values, _header_value) for name, value in header_lines(settings.headers)}
    body = None
    if settings.method == "POST":
        body = fill(settings.body, values, body_escape(headers)).encode("utf-8")
    return GatewayRequest(settings.method, url, headers, body)
