"""The four-colour ledger (四色台账) over the API: the query (period, the /ledger page's filters,
keyset paging) and a page of rows. The filters' values are checked by engine/ledger/filters.py,
as on the page, so the two never accept different input."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from webapp.api.schemas.common import MAX_PER_PAGE, InputSchema

_CODE = validate.Length(max=64)


class LedgerQuery(InputSchema):
    start = fields.String(data_key="from", load_default="", validate=_CODE,
                          metadata={"description": "first local date received (YYYY-MM-DD); default: the first "
                                                   "day of this month"})
    end = fields.String(data_key="to", load_default="", validate=_CODE,
                        metadata={"description": "last local date received, inclusive; default: the last day "
                                                 "of this month. At most 1098 days in all."})
    colour = fields.String(load_default="", validate=_CODE, metadata={"description": "green, blue, yellow or red"})
    stage = fields.String(load_default="", validate=_CODE)
    tier = fields.String(load_default="", validate=_CODE, metadata={"description": "supervision tier 1–4"})
    department = fields.String(load_default="", validate=_CODE, metadata={"description": "department code"})
    town = fields.String(load_default="", validate=_CODE, metadata={"description": "town grid code"})
    category = fields.String(load_default="", validate=_CODE)
    channel = fields.String(load_default="", validate=_CODE)
    status = fields.String(load_default="", validate=_CODE)
    leader_owned = fields.Boolean(load_default=False,
                                  metadata={"description": "only the cases a leader owns (领导包案)"})
    cursor = fields.String(load_default="", validate=validate.Length(max=100),
                           metadata={"description": "`next_cursor` of the previous page"})
    per_page = fields.Integer(load_default=25, validate=validate.Range(1, MAX_PER_PAGE))


class LedgerRowSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    title = fields.String(required=True, metadata={"description": "masked for a reader who may not see "
                                                                   "the complainant"})
    category = fields.String(required=True)
    channel = fields.String(required=True)
    town_code = fields.String(required=True, allow_none=True)
    town = fields.String(required=True, metadata={"description": "\"\" without a town"})
    place = fields.String(required=True)
    department = fields.String(required=True)
    status = fields.String(required=True)
    stage = fields.String(required=True, allow_none=True)
    colour = fields.String(required=True)
    tier = fields.Integer(required=True)
    leader = fields.String(required=True, metadata={"description": "the leader who owns the case, \"\" for none"})
    urgent = fields.Boolean(required=True)
    received_at = fields.AwareDateTime(required=True)
    accepted_at = fields.AwareDateTime(required=True, allow_none=True)
    stage_due = fields.AwareDateTime(required=True, allow_none=True)
    closed_at = fields.AwareDateTime(required=True, allow_none=True)
    closed_on_time = fields.Boolean(required=True, allow_none=True)
    satisfaction = fields.String(required=True, allow_none=True)
    reopened = fields.Boolean(required=True)
    extension_days = fields.Integer(required=True)


class LedgerPeriodSchema(Schema):
    start = fields.String(data_key="from", required=True)
    end = fields.String(data_key="to", required=True)
    timezone = fields.String(required=True)


class LedgerPageSchema(Schema):
    period = fields.Nested(LedgerPeriodSchema, required=True)
    filters = fields.Dict(keys=fields.String(), required=True, metadata={"description": "the filters applied"})
    total = fields.Integer(required=True, metadata={"description": "rows of the whole ledger"})
    items = fields.List(fields.Nested(LedgerRowSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True, metadata={"description": "null on the last page"})
