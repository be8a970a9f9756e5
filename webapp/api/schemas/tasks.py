"""Tasks: the inbox as a list, one task with its form, claiming and completing."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from engine.models import STAGES
from webapp.api.schemas.common import InputSchema, PageQuery, PageSchema


class TaskSchema(Schema):
    id = fields.String(required=True)
    case_id = fields.Integer(allow_none=True, required=True)
    case_number = fields.String(allow_none=True, required=True)
    name = fields.String(required=True)
    spec = fields.String(required=True, metadata={"description": "BPMN element id"})
    form = fields.String(allow_none=True, required=True, metadata={"description": "form name"})
    stage = fields.String(allow_none=True, required=True)
    candidate_group = fields.String(required=True)
    department = fields.String(allow_none=True, required=True, metadata={"description": "department code"})
    tier = fields.Integer(allow_none=True, required=True)
    assignee = fields.String(allow_none=True, required=True, metadata={"description": "username"})
    state = fields.String(required=True, metadata={"enum": ["ready", "completed", "cancelled"]})
    colour = fields.String(required=True)
    due_at = fields.AwareDateTime(allow_none=True, required=True)
    created_at = fields.AwareDateTime(required=True)
    completed_at = fields.AwareDateTime(allow_none=True, required=True)
    completed_by = fields.String(allow_none=True, required=True)


class TaskDetailSchema(TaskSchema):
    form_schema = fields.Dict(allow_none=True, required=True,
                              metadata={"description": "JSON Schema of the data that completes the task"})


class TaskListQuery(PageQuery):
    mine = fields.Boolean(load_default=False, metadata={"description": "only tasks assigned to the token's user"})
    stage = fields.String(load_default="", validate=validate.OneOf(STAGES))
    case_id = fields.Integer(load_default=None, validate=validate.Range(1, 2_147_483_647))


class TaskPageSchema(PageSchema):
    items = fields.List(fields.Nested(TaskSchema), required=True)


class CompleteSchema(InputSchema):
    data = fields.Dict(keys=fields.String(), required=True,
                       metadata={"description": "the form's fields, typed as its JSON Schema says"})


class CaseStateSchema(Schema):
    id = fields.Integer(required=True)
    number = fields.String(required=True)
    status = fields.String(required=True)
    stage = fields.String(allow_none=True, required=True)


class CompletedSchema(Schema):
    task = fields.Nested(TaskSchema, required=True)
    case = fields.Nested(CaseStateSchema, allow_none=True, required=True)
    next_tasks = fields.List(fields.Nested(TaskSchema), required=True,
                             metadata={"description": "the case's ready tasks this user may work now"})
