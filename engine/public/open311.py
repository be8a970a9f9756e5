"""Open311 GeoReport v2 in the bureau's terms: our categories as services, a case as a service
request, the spec's query rules, and a POSTed request turned into an intake registration.

What GET /requests shows anyone: GeoReport v2 lists requests without an API key, like the
bureau's published complaint-handling results (信访投诉办理情况公开). So a request carries the
place, the category, the status with a short public note and the department, and the
description and address with every identity masked (the complainant's name and phone, anybody's
phone number, ID number or e-mail address: engine/cases/masking.public_redactor). Never the
complainant, never the tracking code (it lets its holder act on the case in the public portal;
it is only handed back to the client that submitted the request, as its token).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from documents import settings as document_settings
from engine.cases.intake import register_case
from engine.cases.masking import public_redactor
from engine.core.errors import FormInvalid
from engine.core.runtime import Runtime
from engine.models import CATEGORIES as CATEGORY_CODES
from engine.models import OPEN_STATUSES, AuditEvent, Case, Department
from engine.models import SUBJECT_TYPES as SUBJECT_CODES
from engine.org.places import town_choices
from engine.vocabulary.words import STAGES, SUBJECT_TYPES

GROUP = "生态环境"
STATUS_VALUES = ("open", "closed")
MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
MAX_DESCRIPTION = 4000
SERVICE_NAMES = {"air": "大气污染", "water": "水污染", "noise": "噪声扰民", "solid_waste": "固体废物",
                 "soil": "土壤污染", "radiation": "辐射", "ecology": "生态破坏", "other": "其他环境问题"}
SERVICE_DESCRIPTIONS = {
    "air": "废气、异味、扬尘、烟尘、露天焚烧等大气污染 (air pollution, odour, dust, open burning)",
    "water": "污水排放、河道水体污染、饮用水源保护等 (water pollution, discharges)",
    "noise": "工业、建筑施工、交通等噪声 (noise)",
    "solid_waste": "垃圾、工业固废、危险废物倾倒堆放 (waste dumping)",
    "soil": "土壤污染、非法填埋 (soil contamination)",
    "radiation": "电磁辐射、放射源 (radiation)",
    "ecology": "生态破坏、非法采砂采矿、自然保护地 (ecological damage)",
    "other": "其他生态环境问题 (other environmental problems)",
}
_CJK = re.compile(r"[\u3400-\u9fff]")


# ---------------------------------------------------------------------------- services


def service_name(code: str) -> str:
    return SERVICE_NAMES.get(code, code)


def services() -> list[dict]:
    return [{"service_code": code, "service_name": service_name(code), "description": SERVICE_DESCRIPTIONS[code],
             "metadata": True, "type": "realtime", "keywords": code.replace("_", " "), "group": GROUP}
            for code in CATEGORY_CODES]


def _attribute(order: int, code: str, datatype: str, description: str, values: list[tuple[str, str]] = (),
               datatype_description: str = "") -> dict:
    return {"variable": True, "code": code, "datatype": datatype, "required": False,
            "datatype_description": datatype_description, "order": order, "description": description,
            "values": [{"key": key, "name": name} for key, name in values]}


def service_definition(session: Session, code: str) -> dict | None:
    """The attributes a request for this service may carry (all optional)."""
    if code not in CATEGORY_CODES:
        return None
    return {"service_code": code, "attributes": [
        _attribute(1, "title", "string", "标题，不填则取描述的第一句 (title; default: the description's first line)",
                   datatype_description="≤ 300"),
        _attribute(2, "subject_type", "singlevaluelist", "被投诉对象类型 (kind of source)",
                   [(key, SUBJECT_TYPES.get(key, key)) for key in SUBJECT_CODES]),
        _attribute(3, "subject_enterprise", "string", "被投诉单位名称 (name of the reported business)",
                   datatype_description="≤ 300"),
        _attribute(4, "town", "singlevaluelist", "所在乡镇（街道） (town)", town_choices(session)),
    ]}


ATTRIBUTE_CODES = ("title", "subject_type", "subject_enterprise", "town")


# ---------------------------------------------------------------------------- submitting


class _Text(fields.String):
    """A string without NUL characters (PostgreSQL cannot store them)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("不能包含空字符 (contains a NUL character)")
        return text.strip()


class SubmissionSchema(Schema):
    """The POST fields of GeoReport v2 (the api_key is the web layer's business)."""

    service_code = _Text(required=True, validate=validate.OneOf(CATEGORY_CODES, error="服务代码不存在 "
                                                                "(service_code not found)"))
    lat = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-90, 90))
    long = fields.Float(load_default=None, allow_none=True, validate=validate.Range(-180, 180))
    address_string = _Text(load_default="", validate=validate.Length(max=500))
    address_id = _Text(load_default="", validate=validate.Length(max=100))
    description = _Text(load_default="", validate=validate.Length(
        max=MAX_DESCRIPTION, error=f"描述最多 {MAX_DESCRIPTION} 个字符 (description longer than {MAX_DESCRIPTION})"))
    email = _Text(load_default="", validate=validate.Length(max=200))
    device_id = _Text(load_default="", validate=validate.Length(max=100))
    account_id = _Text(load_default="", validate=validate.Length(max=100))
    first_name = _Text(load_default="", validate=validate.Length(max=50))
    last_name = _Text(load_default="", validate=validate.Length(max=50))
    phone = _Text(load_default="", validate=validate.Length(max=32))
    media_url = _Text(load_default="", validate=validate.Length(max=1000))
    attributes = fields.Dict(keys=fields.String(), values=_Text(validate=validate.Length(max=300)),
                             load_default=dict)

    @validates_schema
    def _optional_formats(self, data, **_kwargs):
        for name, check in (("email", validate.Email(error="电子邮件地址无效 (not a valid e-mail address)")),
                            ("media_url", validate.URL(schemes={"http", "https"},
                                                       error="不是有效的 http(s) 网址 (not a valid URL)"))):
            if data.get(name):
                try:
                    check(data[name])
                except ValidationError as err:
                    raise ValidationError(err.messages, name) from None

    @validates_schema
    def _rules(self, data, **_kwargs):
        has_position = data.get("lat") is not None and data.get("long") is not None
        if (data.get("lat") is None) != (data.get("long") is None):
            raise ValidationError("lat 与 long 需同时提供 (lat and long go together)", "lat")
        if not (has_position or data.get("address_string") or data.get("address_id")):
            raise ValidationError("需提供位置：lat/long、address_string 或 address_id "
                                  "(a location is required: lat & long, address_string or address_id)", "location")
        unknown = sorted(set(data.get("attributes", {})) - set(ATTRIBUTE_CODES))
        if unknown:
            raise ValidationError(f"未定义的属性 (unknown attribute): {', '.join(unknown)}", "attribute")


def _title(description: str, attributes: dict, code: str) -> str:
    if attributes.get("title"):
        return attributes["title"]
    first = description.splitlines()[0].strip() if description.strip() else ""
    return (first if len(first) <= 40 else first[:40] + "…") or service_name(code)


def _person(first: str, last: str) -> str | None:
    if not (first or last):
        return None
    # Chinese names are family name first, without a space.
    return f"{last}{first}" if _CJK.search(first + last) else " ".join(p for p in (first, last) if p)


@dataclass(frozen=True)
class Submission:
    intake: dict  # for engine.intake.register_case
    details: dict  # kept on the case (Case.details)
    account_id: str | None


def parse_submission(raw: dict, channel: str) -> Submission:
    """The request's fields (attributes already gathered from ``attribute[CODE]``) → intake data."""
    # Form clients send fields they have no value for as empty strings: those mean "not given".
    raw = {key: value for key, value in raw.items() if value != ""}
    raw["attributes"] = {key: value for key, value in (raw.get("attributes") or {}).items() if value != ""}
    try:
        data = SubmissionSchema().load(raw, unknown="exclude")
    except ValidationError as err:
        raise FormInvalid({("attribute" if k == "attributes" else k): v if isinstance(v, list) else [str(v)]
                           for k, v in err.messages.items()}) from None
    attributes = data["attributes"]
    name = _person(data["first_name"], data["last_name"])
    address = data["address_string"] or (f"地址编号 {data['address_id']}" if data["address_id"] else None)
    intake = {
        "channel": channel, "category": data["service_code"],
        "title": _title(data["description"], attributes, data["service_code"])[:300],
        "description": data["description"], "address": address, "latitude": data["lat"], "longitude": data["long"],
        "grid_code": attributes.get("town") or None, "subject_type": attributes.get("subject_type") or "other",
        "subject_enterprise": attributes.get("subject_enterprise") or None,
        "complainant_name": name, "complainant_phone": data["phone"] or None,
        # GeoReport allows anonymous requests; our intake rule asks a named complainant for a
        # name or a phone, so a request with neither is registered as anonymous.
        "complainant_anonymous": not (name or data["phone"]),
    }
    open311 = {key: data[key] for key in ("address_id", "device_id", "account_id", "media_url") if data[key]}
    details = {"open311": open311}
    if data["email"]:
        details["contact"] = {"email": data["email"]}
    return Submission(intake, details, data["account_id"] or None)


# Intake field → the GeoReport field a client sent it in, for error messages it can act on.
_CLIENT_FIELDS = {"grid_code": "attribute[town]", "subject_type": "attribute[subject_type]",
                  "subject_enterprise": "attribute[subject_enterprise]", "title": "attribute[title]",
                  "latitude": "lat", "longitude": "long", "address": "address_string",
                  "complainant_name": "last_name", "complainant_phone": "phone", "category": "service_code"}


def submit(session: Session, runtime: Runtime, raw: dict, *, channel: str, actor: str, created_by_id: int | None,
           api_token_id: int) -> tuple[Case, str | None]:
    """Register a POSTed request as a case; returns it and the client's account_id."""
    submission = parse_submission(raw, channel)
    try:
        case = register_case(session, runtime, submission.intake, actor, created_by_id=created_by_id,
                             details=submission.details, api_token_id=api_token_id)
    except FormInvalid as err:
        raise FormInvalid({_CLIENT_FIELDS.get(k, k): v for k, v in err.errors.items()}) from None
    return case, submission.account_id


def service_notice(case: Case) -> str:
    return (f"已登记，编号 {case.number}，查询码 {case.tracking_code}；15 日内告知是否受理。"
            f" (Registered as {case.number}; tracking code {case.tracking_code}.)")


# ---------------------------------------------------------------------------- reading


def agency(session: Session) -> str:
    """The bureau's name as its documents print it (示范县生态环境局)."""
    return document_settings.bureau_name(session, document_settings.load(session))


def open311_status(case: Case) -> str:
    return "open" if case.status in OPEN_STATUSES else "closed"


def status_notes(case: Case, parent_number: str | None = None) -> str:
    if case.status == "received":
        return "已登记，等待受理"
    if case.status == "rejected":
        return "不予受理"
    if case.status == "transferred":
        return f"已转办至{case.transferred_to}" if case.transferred_to else "已转办"
    if case.status == "merged":
        return f"重复投诉，已并入 {parent_number}" if parent_number else "重复投诉，已合并办理"
    if case.status == "closed":
        return "已办结"
    stage = STAGES.get(case.stage or "", "")
    prefix = "重新办理" if case.status == "reopened" else "办理中"
    return f"{prefix}：{stage}阶段" if stage else prefix


def _w3c(when: datetime | None, zone: ZoneInfo) -> str | None:
    return when.astimezone(zone).isoformat(timespec="seconds") if when else None


def _requests(session: Session, cases: list[Case], zone: ZoneInfo) -> list[dict]:
    if not cases:
        return []
    ids = [c.id for c in cases]
    updated = dict(session.execute(select(AuditEvent.case_id, func.max(AuditEvent.at))
                                   .where(AuditEvent.case_id.in_(ids)).group_by(AuditEvent.case_id)).all())
    departments = dict(session.execute(select(Department.id, Department.name)).all())
    bureau = agency(session)
    parent_ids = {c.parent_id for c in cases if c.parent_id}
    parents = dict(session.execute(select(Case.id, Case.number).where(Case.id.in_(parent_ids))).all()) \
        if parent_ids else {}
    out = []
    for case in cases:
        redact = public_redactor(case)
        status = open311_status(case)
        responsible = case.transferred_to if case.status == "transferred" and case.transferred_to else \
            departments.get(case.department_id) or bureau
        out.append({
            "service_request_id": case.number, "status": status,
            "status_notes": redact(status_notes(case, parents.get(case.parent_id))),
            "service_name": service_name(case.category), "service_code": case.category,
            "description": redact(case.description or ""), "agency_responsible": responsible, "service_notice": None,
            "requested_datetime": _w3c(case.received_at, zone),
            "updated_datetime": _w3c(updated.get(case.id) or case.received_at, zone),
            "expected_datetime": _w3c(case.stage_due, zone) if status == "open" else None,
            "address": redact(case.address) if case.address else case.address, "address_id": ((case.details or {}).get("open311") or {}).get("address_id"),
            "zipcode": None, "lat": case.latitude, "long": case.longitude,
            "media_url": ((case.details or {}).get("open311") or {}).get("media_url"),
        })
    return out


@dataclass(frozen=True)
class RequestQuery:
    numbers: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in (value or "").split(",") if v.strip()))


# Dates a query may name. Outside them no case exists, and the 90-day windows computed from a
# date near datetime's own limits (year 1 or 9999) would overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(3000, 1, 1, tzinfo=timezone.utc)
_W3C = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)?(Z|[+-]\d{2}:\d{2})?")


def _when(value: str | None, name: str, errors: dict) -> datetime | None:
    """A W3C datetime with its offset (GeoReport's format), between EARLIEST and LATEST."""
    if not value:
        return None
    text = value.strip()
    try:
        # fromisoformat alone reads far more than W3C (week dates, "+0800", a space for "T").
        when = datetime.fromisoformat(text.replace("Z", "+00:00")) if _W3C.fullmatch(text) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        errors[name] = [f"{name} 需为带时区的 W3C 日期时间，如 2026-03-02T10:00:00+08:00 "
                        f"(a W3C datetime with offset)"]
        return None
    if not EARLIEST <= when < LATEST:
        errors[name] = [f"{name} 需在 {EARLIEST.year} 年至 {LATEST.year - 1} 年之间 "
                        f"(between {EARLIEST.year} and {LATEST.year - 1})"]
        return None
    return when


def parse_query(args) -> RequestQuery:
    """The spec's filters from a query string; raises FormInvalid naming the bad parameter."""
    errors: dict[str, list[str]] = {}
    for name in ("service_request_id", "service_code", "status", "start_date", "end_date"):
        if "\x00" in (args.get(name) or ""):
            raise FormInvalid({name: ["不能包含空字符 (contains a NUL character)"]})
    query = RequestQuery(
        numbers=_list(args.get("service_request_id"))[:MAX_RESULTS], service_codes=_list(args.get("service_code")),
        statuses=_list(args.get("status")), start=_when(args.get("start_date"), "start_date", errors),
        end=_when(args.get("end_date"), "end_date", errors))
    if [c for c in query.service_codes if c not in CATEGORY_CODES]:
        errors["service_code"] = ["服务代码不存在 (service_code not found)"]
    if [s for s in query.statuses if s not in STATUS_VALUES]:
        errors["status"] = ["status 只能是 open 或 closed (status is open or closed)"]
    if query.start and query.end:
        if query.start > query.end:
            errors["start_date"] = ["start_date 晚于 end_date (start_date after end_date)"]
        elif query.end - query.start > DEFAULT_WINDOW:
            errors["end_date"] = ["日期范围不能超过 90 天 (the range may not span more than 90 days)"]
    if errors:
        raise FormInvalid(errors)
    return query


def find_requests(session: Session, query: RequestQuery, now: datetime, zone: ZoneInfo) -> list[dict]:
    """Matching requests, newest first, at most 1000. Without ids or dates: the last 90 days;
    with only one of the dates, the 90 days from or up to it."""
    stmt = select(Case)
    if query.numbers:
        # The spec: a list of ids overrides every other argument.
        stmt = stmt.where(Case.number.in_(query.numbers))
    else:
        end = query.end or (query.start + DEFAULT_WINDOW if query.start else now)
        start = query.start or end - DEFAULT_WINDOW
        stmt = stmt.where(Case.received_at >= start, Case.received_at <= end)
        if query.service_codes:
            stmt = stmt.where(Case.category.in_(query.service_codes))
        if len(set(query.statuses)) == 1:
            open_ = Case.status.in_(OPEN_STATUSES)
            stmt = stmt.where(open_ if query.statuses == ("open",) else ~open_)
    cases = list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(MAX_RESULTS)))
    return _requests(session, cases, zone)


def request_by_number(session: Session, number: str, zone: ZoneInfo) -> dict | None:
    if "\x00" in number:  # PostgreSQL cannot even compare it; no case has it
        return None
    case = session.scalars(select(Case).where(Case.number == number)).first()
    return _requests(session, [case], zone)[0] if case else None


def request_by_token(session: Session, token: str) -> dict | None:
    if "\x00" in token:
        return None
    number = session.scalar(select(Case.number).where(Case.tracking_code == token.strip().upper()))
    return {"service_request_id": number, "token": token.strip().upper()} if number else None
