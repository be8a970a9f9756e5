"""/api/v1/ledger: the four-colour ledger's rows (四色台账) for a period, with the /ledger page's
filters (engine/ledger/filters.py), newest first, paged by a cursor.

Who reads which rows is the page's rule (webapp/ledger/pages.py): a token acting for a staff
member reads that person's ledger (engine/ledger/rows.LedgerScope.of: their statistics scope,
titles masked unless they may see the complainant) and is refused (403) when the person has no
statistics; a machine token with the ``ledger:read`` scope reads the whole county's ledger with
every title masked, as a report filed for the whole bureau does (engine/reports/storage.py).
"""
from __future__ import annotations

import base64
import binascii
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.ledger.filters import LedgerFilters, LedgerInputError, month_of, parse_period
from engine.ledger.rows import LedgerScope, ledger_after
from engine.models import Department
from engine.org.places import town_choices
from webapp.access import may_see_statistics
from webapp.api.auth import acting_staff
from webapp.api.blueprints import v1
from webapp.api.errors import ApiError
from webapp.api.openapi import operation
from webapp.api.schemas.ledger import LedgerPageSchema, LedgerQuery
from webapp.runtime import current_runtime

_BAD_CURSOR = "游标无效 (not a cursor this API gave)"


def encode_cursor(after: tuple[datetime, int] | None) -> str | None:
    if after is None:
        return None
    when, case_id = after
    return base64.urlsafe_b64encode(f"{when.isoformat()}|{case_id}".encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[datetime, int] | None:
    if not text:
        return None
    try:
        when, _, case_id = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition("|")
        after = datetime.fromisoformat(when), int(case_id)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ApiError(422, errors={"cursor": [_BAD_CURSOR]}) from None
    if after[0].tzinfo is None:
        raise ApiError(422, errors={"cursor": [_BAD_CURSOR]})
    return after


def _input_error(err: LedgerInputError) -> ApiError:
    names = {"start": "from", "end": "to"}
    return ApiError(422, errors={names.get(name, name): [" / ".join(LedgerInputError.MESSAGES[code])]
                                 for name, code in err.problems.items()})


@operation(v1, "/ledger", summary="四色台账 (the four-colour ledger)", tag="ledger", scope="ledger:read",
           query=LedgerQuery, response=LedgerPageSchema)
def ledger(client, query):
    """The cases received in a period (local dates of the installation's time zone, default this
    month), one row each with its colour, stage, tier, department, town, owning leader, deadlines,
    closure and follow-up — the rows of the /ledger page and its Excel export, with the same
    filters. Newest first; `next_cursor` asks for the next page. The complainant is never a column;
    a title is masked for a reader who may not see the complainant. A token acting for a staff
    member needs a supervisor, lead or administrator and reads that person's cases; a machine
    token reads every case, titles masked."""
    staff = acting_staff(client)
    if staff is not None and not may_see_statistics(staff):
        raise ApiError(403, "只有督办人员、科室负责人和管理员可以查看台账 (the ledger is for supervisors, leads "
                            "and administrators)", code="forbidden")
    scope = LedgerScope.of(staff) if staff is not None else LedgerScope.everything(sees_identity=False)
    after = decode_cursor(query.pop("cursor"))
    runtime = current_runtime()
    today = runtime.clock.now().astimezone(ZoneInfo(runtime.timezone)).date()
    with runtime.db.read() as session:
        departments = dict(session.execute(select(Department.code, Department.name)).all())
        towns = dict(town_choices(session, (staff.grid_path if staff else None) or "/"))
        try:
            period = parse_period(query["start"], query["end"], default=month_of(today))
            filters = LedgerFilters.parse({**query, "leader_owned": "1" if query["leader_owned"] else ""},
                                          departments=departments, towns=towns)
        except LedgerInputError as err:
            raise _input_error(err) from None
        page = ledger_after(session, period, filters, scope, tz=runtime.timezone, after=after,
                            limit=query["per_page"])
    return {"period": {"start": period.start.isoformat(), "end": period.end.isoformat(),
                       "timezone": runtime.timezone},
            "filters": filters.as_dict(), "total": page.total, "items": [row._asdict() for row in page.items],
            "next_cursor": encode_cursor(page.next_after)}
