"""/api/v1/cases: register a case (an online-monitoring alarm, a forwarded complaint), list and
read cases within the caller's scope."""
from __future__ import annotations

from flask import jsonify, url_for
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engine.cases.intake import register_case
from engine.cases.monitoring import alarm_details, alarm_title
from engine.cases.read_model import CaseFilters, search_cases
from engine.enterprises.linking import link_alarm
from engine.models import Case
from webapp.api.auth import acting_staff, visible_cases
from webapp.api.blueprints import v1
from webapp.api.errors import ApiError
from webapp.api.openapi import operation
from webapp.api.schemas.cases import CaseCreateSchema, CaseListQuery, CasePageSchema, CaseSchema
from webapp.api.views import cases_out
from webapp.runtime import current_runtime, transaction

CASE_ID = "<int:case_id>"


@operation(v1, "/cases", "POST", summary="登记案件 (register a case)", tag="cases", scope="cases:write",
           body=CaseCreateSchema, response=CaseSchema, status=201,
           also_ok=((200, "已登记过 (this external_id was sent before: its case)"),))
def create_case(client, body):
    """Registers a case and starts its process; it lands in the intake desk's inbox like any other.
    An online-monitoring alarm sends a `monitoring` block (station, pollutant, measured value and
    limit), kept with the case as `details.monitoring`. With an `external_id` already sent by this
    client, the first case answers (200) and nothing new is registered, so retries are safe.
    A token acting for a staff member needs the intake role."""
    staff = acting_staff(client)
    if staff is not None and not staff.has("intake"):
        raise ApiError(403, "只有受理员可以登记案件 (only intake staff register cases)")
    alarm = body.pop("monitoring")
    external_id = body.pop("external_id")
    channel = body.pop("channel") or client.channel or ("monitoring" if alarm else None)
    if channel is None:
        raise ApiError(422, errors={"channel": ["请指定来源渠道 (channel required)"]})
    runtime = current_runtime()
    case, status = _sent_before(client, external_id), 200
    if case is None:
        data = {**body, "channel": channel, "title": body.get("title") or alarm_title(alarm)}
        try:
            with transaction() as session:
                case, status = register_case(session, runtime, data, staff.username if staff else client.actor,
                                             created_by_id=staff.id if staff else None,
                                             details={"monitoring": alarm_details(alarm)} if alarm else None,
                                             api_token_id=client.id, external_id=external_id), 201
                if alarm:  # a station the register knows links the alarm to its enterprise
                    link_alarm(session, runtime, case, staff.username if staff else client.actor)
        except IntegrityError:
            # The same submission, retried while the first was still being registered.
            case = _sent_before(client, external_id)
            if case is None:
                raise
    with runtime.db.read() as session:
        case = session.get(Case, case.id)
        answer = jsonify(CaseSchema().dump(cases_out(session, [case], staff)[0]))
    answer.status_code = status
    answer.headers["Location"] = url_for("api.v1.get_case", case_id=case.id)
    return answer


def _sent_before(client, external_id: str | None) -> Case | None:
    if not external_id:
        return None
    with current_runtime().db.read() as session:
        return session.scalars(select(Case).where(Case.api_token_id == client.id,
                                                  Case.external_id == external_id)).first()


@operation(v1, "/cases", summary="查询案件 (list cases)", tag="cases", scope="cases:read", query=CaseListQuery,
           response=CasePageSchema)
def list_cases(client, query):
    """Newest first. A token acting for a staff member sees that person's cases; a machine client
    sees the cases it registered."""
    staff = acting_staff(client)
    filters = CaseFilters(q=query["q"], status=query["status"], stage=query["stage"], colour=query["colour"],
                          category=query["category"], channel=query["channel"], town=query["town"])
    with current_runtime().db.read() as session:
        page = search_cases(session, visible_cases(client, staff), filters, query["page"], query["per_page"])
        items = cases_out(session, page.items, staff)
    return {"items": items, "total": page.total, "page": page.page, "per_page": page.per_page, "pages": page.pages}


@operation(v1, f"/cases/{CASE_ID}", summary="读取案件 (one case)", tag="cases", scope="cases:read",
           response=CaseSchema)
def get_case(client, case_id: int):
    staff = acting_staff(client)
    with current_runtime().db.read() as session:
        case = session.scalars(select(Case).where(Case.id == case_id, visible_cases(client, staff))).first()
        if case is None:
            raise ApiError(404)
        return cases_out(session, [case], staff)[0]
