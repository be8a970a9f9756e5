"""Statistics: the query (period, filters, slice, trend) and the figures as they read back."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.measures import (
    BUCKETS,
    DIMENSIONS,
    FACTS,
    MEASURE_LIST,
    PATROL_COUNTS,
    PATROL_RATES,
    PATROL_SLICE_CODES,
    PRESETS,
    patrol_figure_name,
    patrol_figure_name_en,
)
from engine.measures.enforcement import COUNT, ENFORCEMENT_MEASURES
from engine.models import CATEGORIES, CHANNELS, TIERS
from webapp.api.schemas.common import InputSchema

_CODE = validate.Length(min=1, max=64)


class StatsQuery(InputSchema):
    period = fields.String(load_default=None, validate=validate.OneOf(PRESETS),
                           metadata={"description": "the day, week (Monday–Sunday), month or year containing today "
                                                    "(local time); default month. `from` and `to` win over it."})
    start = fields.Date(data_key="from", load_default=None,
                        metadata={"description": "first local date received (YYYY-MM-DD), with `to`"})
    end = fields.Date(data_key="to", load_default=None, metadata={"description": "last local date, inclusive"})
    by = fields.String(load_default=None, validate=validate.OneOf(DIMENSIONS),
                       metadata={"description": "one row per town, work area, department, category, channel or tier"})
    town = fields.String(load_default="", validate=_CODE, metadata={"description": "town grid code"})
    area = fields.String(load_default="", validate=_CODE, metadata={"description": "work-area grid code"})
    department = fields.String(load_default="", validate=_CODE, metadata={"description": "department code"})
    category = fields.String(load_default="", validate=validate.OneOf(CATEGORIES))
    channel = fields.String(load_default="", validate=validate.OneOf(CHANNELS))
    tier = fields.Integer(load_default=None, validate=validate.OneOf(tuple(TIERS)))
    trend = fields.String(load_default=None, validate=validate.OneOf(BUCKETS),
                          metadata={"description": "also the figures of each day, week or month of the period"})
    patrol_by = fields.String(load_default="town", validate=validate.OneOf(PATROL_SLICE_CODES),
                              metadata={"description": "the patrol figures per grid officer, work area or town"})


class RateSchema(Schema):
    numerator = fields.Integer(required=True)
    denominator = fields.Integer(required=True)
    value = fields.Float(required=True, allow_none=True, metadata={"description": "null when the denominator is 0"})


class CountSchema(Schema):
    numerator = fields.Integer(required=True)
    denominator = fields.Integer(required=True, allow_none=True, metadata={"description": "always null: a count"})
    value = fields.Integer(required=True)


class DurationSchema(Schema):
    cases = fields.Integer(required=True, metadata={"description": "closed cases counted"})
    mean = fields.Float(required=True, allow_none=True, metadata={"description": "working days"})
    median = fields.Float(required=True, allow_none=True, metadata={"description": "working days"})


_VALUE_SCHEMA = {"count": CountSchema, "rate": RateSchema, "duration": DurationSchema}
FactsSchema = Schema.from_dict({code: fields.Integer(required=True) for code in FACTS}, name="StatsFacts")
MeasuresSchema = Schema.from_dict(
    {m.code: fields.Nested(_VALUE_SCHEMA[m.kind], required=True, metadata={"description": f"{m.name} ({m.name_en})"})
     for m in MEASURE_LIST}, name="StatsMeasures")


class FiguresSchema(Schema):
    facts = fields.Nested(FactsSchema, required=True, metadata={"description": "the counts the measures are made of"})
    measures = fields.Nested(MeasuresSchema, required=True)


class SliceSchema(FiguresSchema):
    key = fields.String(required=True, allow_none=True,
                        metadata={"description": "code of the town, department, category …; null: none "
                                                 "(no place, not assigned)"})
    label = fields.String(required=True)


class TrendPointSchema(FiguresSchema):
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)


class PeriodSchema(Schema):
    start = fields.Date(data_key="from", required=True)
    end = fields.Date(data_key="to", required=True)
    kind = fields.String(required=True, metadata={"enum": [*PRESETS, "custom"]})
    timezone = fields.String(required=True)


class DefinitionSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["count", "rate", "duration"]})
    numerator = fields.String(required=True, metadata={"description": "fact counted"})
    denominator = fields.String(required=True, allow_none=True)


def _patrol_fields() -> dict:
    made = {code: fields.Integer(required=True, metadata={"description": f"{patrol_figure_name(code)} "
                                                                         f"({patrol_figure_name_en(code)})"})
            for code in PATROL_COUNTS}
    made.update({code: fields.Nested(RateSchema, required=True,
                                     metadata={"description": f"{patrol_figure_name(code)} ({patrol_figure_name_en(code)}): "
                                                              f"{PATROL_RATES[code][0]} ÷ {PATROL_RATES[code][1]}"})
                 for code in PATROL_RATES})
    return made


PatrolFiguresSchema = Schema.from_dict(_patrol_fields(), name="PatrolFigures")
PatrolRowSchema = Schema.from_dict({**_patrol_fields(), "key": fields.String(required=True, allow_none=True),
                                    "label": fields.String(required=True)}, name="PatrolRow")


class PatrolsSchema(Schema):
    by = fields.String(required=True, metadata={"enum": list(PATROL_SLICE_CODES)})
    total = fields.Nested(PatrolFiguresSchema, required=True)
    rows = fields.List(fields.Nested(PatrolRowSchema), required=True)


def _enforcement_fields() -> dict:
    # One field per count of engine/measures/enforcement.py; money is a decimal string (exact yuan).
    return {m.code: (fields.Integer(required=True, metadata={"description": f"{m.name} ({m.name_en})"})
                     if m.kind == COUNT else
                     fields.String(required=True, metadata={"description": f"{m.name} ({m.name_en}), yuan",
                                                            "pattern": r"^-?[0-9]+\.[0-9]{2}$"}))
            for m in ENFORCEMENT_MEASURES}


EnforcementFiguresSchema = Schema.from_dict(_enforcement_fields(), name="EnforcementFigures")


class StatsSchema(Schema):
    period = fields.Nested(PeriodSchema, required=True)
    by = fields.String(required=True, allow_none=True)
    filters = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    definitions = fields.List(fields.Nested(DefinitionSchema), required=True)
    total = fields.Nested(FiguresSchema, required=True)
    slices = fields.List(fields.Nested(SliceSchema), required=True)
    trend = fields.List(fields.Nested(TrendPointSchema), required=True, allow_none=True)
    patrols = fields.Nested(PatrolsSchema, required=True,
                            metadata={"description": "the patrols (网格巡查) due in the period: due, done, done on time, "
                                                     "problems found and solved, and their rates"})
    enforcement = fields.Nested(EnforcementFiguresSchema, required=True,
                                metadata={"description": "the enforcement counts (执法办案) of the period: cases "
                                                         "filed, fines decided, production limits or stops ordered, "
                                                         "cases handed to the police"})
