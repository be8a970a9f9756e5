"""Cases: what a client may send to register one, and how one reads back."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from engine.cases.intake import IntakeSchema
from engine.models import CATEGORIES, CHANNELS, COLOURS, STAGES, STATUSES
from webapp.api.schemas.common import InputSchema, PageQuery, PageSchema

MONITORING_KINDS = ("exceedance", "equipment_fault", "data_missing")


class MonitoringSchema(InputSchema):
    """An online monitor's alarm (在线监测报警)."""

    kind = fields.String(load_default="exceedance", validate=validate.OneOf(MONITORING_KINDS))
    station_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    station_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    pollutant = fields.String(required=True, validate=validate.Length(min=1, max=64),
                              metadata={"example": "SO2"})
    measured_value = fields.Float(required=True)
    limit_value = fields.Float(required=True)
    unit = fields.String(load_default="", validate=validate.Length(max=32), metadata={"example": "mg/m³"})
    measured_at = fields.AwareDateTime(required=True)


class CaseCreateSchema(InputSchema, IntakeSchema):
    """The intake fields; ``channel`` defaults to the token's channel (``monitoring`` when a
    ``monitoring`` block is sent) and ``title`` is made from the alarm when left out."""

    channel = fields.String(load_default=None, validate=validate.OneOf(CHANNELS))
    title = fields.String(load_default=None, validate=validate.Length(min=1, max=300))
    monitoring = fields.Nested(MonitoringSchema, load_default=None)
    external_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100),
                                metadata={"description": "the client's own id (e.g. its alarm id): sending it "
                                                         "again returns the first case (200) instead of a new one"})

    @validates_schema
    def _title(self, data, **_kwargs):
        if not data.get("title") and not data.get("monitoring"):
            raise ValidationError("请填写标题 (title required unless a monitoring alarm is sent)", "title")


class ComplainantSchema(Schema):
    anonymous = fields.Boolean(required=True)
    name = fields.String(allow_none=True, required=True, metadata={"description": "masked unless the caller may "
                                                                                  "see identities"})
    phone = fields.String(allow_none=True, required=True)


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    channel = fields.String(required=True)
    category = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    address = fields.String(allow_none=True, required=True)
    latitude = fields.Float(allow_none=True, required=True)
    longitude = fields.Float(allow_none=True, required=True)
    grid_path = fields.String(allow_none=True, required=True)
    subject_type = fields.String(allow_none=True, required=True)
    subject_enterprise = fields.String(allow_none=True, required=True)
    complainant = fields.Nested(ComplainantSchema, required=True)
    urgent = fields.Boolean(required=True)
    status = fields.String(required=True, metadata={"enum": list(STATUSES)})
    stage = fields.String(allow_none=True, required=True)
    colour = fields.String(required=True)
    stage_due = fields.AwareDateTime(allow_none=True, required=True)
    tier = fields.Integer(required=True)
    department = fields.String(allow_none=True, required=True, metadata={"description": "department code"})
    transferred_to = fields.String(allow_none=True, required=True)
    parent_number = fields.String(allow_none=True, required=True)
    satisfaction = fields.String(allow_none=True, required=True)
    received_at = fields.AwareDateTime(required=True)
    accepted_at = fields.AwareDateTime(allow_none=True, required=True)
    closed_at = fields.AwareDateTime(allow_none=True, required=True)
    closed_on_time = fields.Boolean(allow_none=True, required=True)
    external_id = fields.String(allow_none=True, required=True)
    details = fields.Dict(allow_none=True, required=True,
                          metadata={"description": "what a machine sent with the case, e.g. {monitoring: {…}}"})


class CaseListQuery(PageQuery):
    q = fields.String(load_default="", validate=validate.Length(max=200),
                      metadata={"description": "number, title, description, enterprise or tracking code"})
    status = fields.String(load_default="", validate=validate.OneOf(STATUSES))
    stage = fields.String(load_default="", validate=validate.OneOf(STAGES))
    colour = fields.String(load_default="", validate=validate.OneOf(COLOURS))
    category = fields.String(load_default="", validate=validate.OneOf(CATEGORIES))
    channel = fields.String(load_default="", validate=validate.OneOf(CHANNELS))
    town = fields.String(load_default="", validate=validate.Length(max=64), metadata={"description": "town grid code"})


class CasePageSchema(PageSchema):
    items = fields.List(fields.Nested(CaseSchema), required=True)
