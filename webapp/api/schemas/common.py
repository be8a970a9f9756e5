"""Shared pieces: the error body, paging, and the no-NUL rule for everything clients send."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

MAX_PER_PAGE = 100


class ErrorSchema(Schema):
    code = fields.String(required=True, metadata={"description": "machine-readable, e.g. validation_error"})
    message = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                         metadata={"description": "field name (dotted when nested) → messages"})


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class InputSchema(Schema):
    """Base of request schemas: a NUL character anywhere is refused (PostgreSQL cannot store it)."""

    @validates_schema(pass_original=True)
    def _no_nul(self, _data, original, **_kwargs):
        if _has_nul(original):
            raise ValidationError("不能包含空字符 (text may not contain NUL characters)")


class PageQuery(InputSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, MAX_PER_PAGE))


class PageSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    pages = fields.Integer(required=True)
