"""Case documents (文书) as the API lists them."""
from __future__ import annotations

from marshmallow import Schema, fields


class DocumentSchema(Schema):
    id = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"description": "e.g. acceptance_notice, supervision_notice"})
    title = fields.String(required=True)
    number = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"enum": ["pending", "rendered", "failed"]})
    issued_at = fields.AwareDateTime(required=True)
    rendered_at = fields.AwareDateTime(allow_none=True, required=True)
    copy = fields.String(required=True, metadata={
        "enum": ["official", "masked"],
        "description": "the file a download returns: the official document, or for a caller who may not see the "
                       "complainant a masked copy (脱敏副本; size, pages and sha256 are then null)"})
    size = fields.Integer(allow_none=True, required=True)
    pages = fields.Integer(allow_none=True, required=True)
    sha256 = fields.String(allow_none=True, required=True)
    download = fields.String(required=True, metadata={"description": "path of the PDF (rendered on first download)"})


class DocumentListSchema(Schema):
    items = fields.List(fields.Nested(DocumentSchema), required=True)
