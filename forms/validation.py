"""Cleaning submitted data and turning jsonschema errors into field messages."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from forms.errors import FormValidationError
from forms.messages import NOT_AN_OBJECT, item_prefix, keyword_message, normalize_lang

ALL = "__all__"

_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII)
_INT_RE = re.compile(r"[+-]?\d{1,15}", re.ASCII)

# jsonschema only checks "date-time" when the optional rfc3339-validator
# package is installed, so the checks we rely on are registered here instead
# of depending on whatever happens to be in the environment.
FORMAT_CHECKER = FormatChecker(formats=())


@FORMAT_CHECKER.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    # fromisoformat alone also accepts "20260131", which is not RFC 3339.
    return bool(_DATE_RE.fullmatch(value)) and bool(date.fromisoformat(value))


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATETIME_RE.fullmatch(value):
        return False
    return bool(datetime.fromisoformat(value.upper().replace("Z", "+00:00")))


def make_validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=FORMAT_CHECKER)


_MISSING = object()


def _declared_type(schema: Any) -> Any:
    return schema.get("type") if isinstance(schema, Mapping) else None


def _clean_value(value: Any, schema: Any) -> Any:
    if value is None:
        return _MISSING
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return _MISSING
        # HTML number inputs arrive as text; an unambiguous integer literal is
        # accepted so the web layer does not need per-field conversions.
        if _declared_type(schema) == "integer" and _INT_RE.fullmatch(value):
            return int(value)
        return value
    if isinstance(value, float) and value.is_integer():
        if _declared_type(schema) == "integer":
            return int(value)
        return value
    if isinstance(value, list):
        items = schema.get("items", {}) if isinstance(schema, Mapping) else {}
        cleaned = (_clean_value(item, items) for item in value)
        return [item for item in cleaned if item is not _MISSING]
    if isinstance(value, Mapping):
        return clean_object(value, schema)
    return value


def clean_object(data: Mapping[str, Any], schema: Any) -> dict[str, Any]:
    """Strip strings and drop blanks so "   " counts as not filled in.

    Unknown keys are kept untouched: dropping them here would hide them from
    the additionalProperties check, and they must be reported.
    """
    properties = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
    cleaned: dict[str, Any] = {}
    for key, value in data.items():
        if key in properties:
            value = _clean_value(value, properties[key])
            if value is _MISSING:
                continue
        cleaned[key] = value
    return cleaned


def _unexpected_keys(error: ValidationError) -> list[Any]:
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    return [key for key in instance if key not in known and not any(re.search(p, str(key)) for p in patterns)]


def _located(error: ValidationError, lang: str) -> Iterable[tuple[tuple, str | None, str]]:
    path = tuple(error.absolute_path)
    keyword = error.validator
    message = keyword_message(keyword, error.validator_value, lang)
    if keyword == "required" and isinstance(error.instance, Mapping):
        names = [n for n in error.validator_value if n not in error.instance]
    elif keyword == "additionalProperties":
        names = _unexpected_keys(error)
    else:
        names = []
    if names:
        for name in names:
            yield (*path, name), keyword, message
    else:
        yield path, keyword, message


def translate_errors(
    errors: Iterable[ValidationError], lang: str, order: Iterable[str] = ()
) -> dict[str, list[str]]:
    lang = normalize_lang(lang)
    located = [item for error in errors for item in _located(error, lang)]
    # A wrong type makes every other keyword's complaint about the same value
    # noise ("must be text" and "select a valid choice" for one mistake).
    mistyped = {path for path, keyword, _ in located if keyword == "type"}
    result: dict[str, list[str]] = {}
    for path, keyword, message in located:
        if path in mistyped and keyword != "type":
            continue
        if not path:
            key = ALL
        else:
            key = str(path[0])
            if len(path) > 1 and isinstance(path[1], int):
                message = item_prefix(path[1], lang) + message
        messages = result.setdefault(key, [])
        if message not in messages:
            messages.append(message)
    rank = {name: i for i, name in enumerate(order)}
    return dict(
        sorted(
            result.items(),
            key=lambda kv: (kv[0] != ALL, rank.get(kv[0], len(rank))),
        )
    )


def validate_data(
    form_name: str,
    validator: Draft202012Validator,
    data: Any,
    lang: str = "zh_CN",
    order: Iterable[str] = (),
) -> dict[str, Any]:
    lang = normalize_lang(lang)
    if not isinstance(data, Mapping):
        raise FormValidationError(form_name, {ALL: [NOT_AN_OBJECT[lang]]})
    cleaned = clean_object(data, validator.schema)
    errors = list(validator.iter_errors(cleaned))
    if errors:
        raise FormValidationError(form_name, translate_errors(errors, lang, order))
    return cleaned
