"""Registering a complaint: validate what came in, number it, start its process."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases.numbering import provisional_number, tracking_code
from engine.core import reference_cache
from engine.core.errors import FormInvalid
from engine.core.runtime import Runtime
from engine.core.text import UnsafeText, clean_text
from engine.models import CATEGORIES, CHANNELS, SUBJECT_TYPES, Case
from engine.org.places import grid_ref, town_code


class IntakeSchema(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    grid_code = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    longitude = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    subject_enterprise = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    subject_type = fields.String(load_default="other", validate=validate.OneOf(SUBJECT_TYPES))
    complainant_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    complainant_phone = fields.String(load_default=None, allow_none=True,
                                      validate=validate.Regexp(r"^[0-9+\-() ]{5,32}$"))
    complainant_anonymous = fields.Boolean(load_default=False)
    urgent = fields.Boolean(load_default=False)

    @pre_load
    def _clean_text(self, data, **_kwargs):
        # The web app cleans every request (webapp/input_hygiene.py); this holds for the CLI, the
        # demo and anything else that registers a case (engine/core/text.py says what is cleaned).
        if not isinstance(data, dict):
            return data
        cleaned, refused = {}, {}
        for key, value in data.items():
            try:
                cleaned[key] = clean_text(value) if isinstance(value, str) else value
            except UnsafeText as err:
                refused[key] = [str(err)]
        if refused:
            raise ValidationError(refused)
        return cleaned

    @validates_schema
    def _contact(self, data, **_kwargs):
        if not data.get("complainant_anonymous") and data.get("channel") in ("public", "hotline", "visit", "letter") \
                and not (data.get("complainant_name") or data.get("complainant_phone")):
            raise ValidationError("实名投诉需填写姓名或电话 (name or phone required unless anonymous)",
                                  "complainant_name")


# One instance for every registration: building a marshmallow schema costs four times a load.
_INTAKE = IntakeSchema()


def register_case(session: Session, runtime: Runtime, data: dict, actor: str, created_by_id: int | None = None, *,
                  details: dict | None = None, api_token_id: int | None = None,
                  external_id: str | None = None, submission_key: str | None = None) -> Case:
    """``details``: what a machine sent beyond the form (e.g. a monitor's measurement);
    ``api_token_id`` and ``external_id``: the API client that registered the case and its own id
    for it (unique per client); ``submission_key``: the submitted form (unique; a second case
    with it fails with IntegrityError when flushed, before its process starts — see
    ``submitted_case``)."""
    try:
        clean = _INTAKE.load(data)
    except ValidationError as err:
        raise FormInvalid({k: v if isinstance(v, list) else [str(v)] for k, v in err.messages.items()}) from None
    with reference_cache.scope(session):  # one look at the reference generation for the whole start
        return _register(session, runtime, clean, actor, created_by_id, details=details, api_token_id=api_token_id,
                         external_id=external_id, submission_key=submission_key)


def _register(session: Session, runtime: Runtime, clean: dict, actor: str, created_by_id: int | None, *,
              details: dict | None, api_token_id: int | None, external_id: str | None,
              submission_key: str | None) -> Case:
    grid = None
    if clean["grid_code"]:
        grid = grid_ref(session, code=clean["grid_code"])
        if grid is None:
            raise FormInvalid({"grid_code": [f"网格 {clean['grid_code']} 不存在 (unknown grid)"]})
    now = runtime.now()
    tracking = tracking_code()
    # Numbered at the end of its first step (engine/cases/numbering.py says why).
    case = Case(
        number=provisional_number(tracking), tracking_code=tracking,
        channel=clean["channel"], category=clean["category"], title=clean["title"],
        description=clean["description"], address=clean["address"], latitude=clean["latitude"],
        longitude=clean["longitude"], grid_id=grid.id if grid else None, grid_path=grid.path if grid else None,
        subject_enterprise=clean["subject_enterprise"], subject_type=clean["subject_type"],
        complainant_name=None if clean["complainant_anonymous"] else clean["complainant_name"],
        complainant_phone=None if clean["complainant_anonymous"] else clean["complainant_phone"],
        complainant_anonymous=clean["complainant_anonymous"], urgent=clean["urgent"], status="received",
        colour="blue", tier=1, received_at=now, created_by_id=created_by_id, details=details,
        api_token_id=api_token_id, external_id=external_id, submission_key=submission_key,
    )
    session.add(case)
    session.flush()
    runtime.start(session, case, _process_data(case), actor)
    return case


def submitted_case(session: Session, submission_key: str | None) -> Case | None:
    """The case already registered from this submitted form, if any."""
    if not submission_key:
        return None
    return session.scalars(select(Case).where(Case.submission_key == submission_key)).first()


def _process_data(case: Case) -> dict:
    return {
        "category": case.category, "subject_type": case.subject_type,
        "town": town_code(case.grid_path), "channel": case.channel, "urgent": case.urgent,
        "received_at": case.received_at.isoformat(), "extended_days": 0, "reopened": False,
        "joint_departments": [],
    }
