"""我包的案件 and 重点案件: a leader's list and case page, and the supervision section's flags.

A case outside the person's scope answers 404 (engine/org/scopes.py: leader_case_scope for the
records, flag_scope for the flags), whatever their role, so its existence is not revealed.
"""
from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from engine.cases.masking import staff_redactor
from engine.core.errors import NotFound
from engine.leadership import flags as case_flags
from engine.leadership import lists, records
from engine.leadership.errors import RecordInvalid
from engine.leadership.reminders import next_check_reminder
from engine.models import CASE_FLAGS, COLOURS, Case, User
from engine.org.scopes import flag_scope, in_supervision_section, leader_case_scope, leads_case
from engine.work.board import department_choices
from webapp.labels import CASE_FLAGS as FLAG_WORDS
from webapp.paging import page_links, requested_page
from webapp.runtime import current_runtime as _runtime
from webapp.runtime import transaction

bp = Blueprint("leadership", __name__)

PROBLEMS = {
    "required": _l("此项必填"),
    "too_long": _l("内容过长，请精简"),
    "bad_date": _l("日期格式不正确"),
    "in_future": _l("日期不能晚于今天"),
    "before_case": _l("日期不能早于案件登记日期"),
    "not_after_today": _l("下次调度日期须晚于今天"),
    "too_far": _l("下次调度日期不能超过一年以后"),
    "unknown_person": _l("所选人员不存在或已停用"),
    "too_many": _l("条目过多"),
    "unknown_department": _l("所选部门不存在"),
    "not_in_department": _l("所选人员不是该部门的承办人"),
    "bad_days": _l("期限应为 1–60 个工作日"),
    "unknown_flag": _l("标记无效"),
    "already_flagged": _l("案件已有此标记"),
    "not_flagged": _l("案件没有此标记"),
}
FOLLOW_UP_ROWS = 3  # blank follow-up rows the meeting form offers (engine/leadership/records.MAX_FOLLOW_UPS at most)


def _messages(err: RecordInvalid) -> dict[str, list[str]]:
    return {name: [str(PROBLEMS.get(code, code)) for code in codes] for name, codes in err.problems.items()}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# ------------------------------------------------------------------ 我包的案件


@bp.get("/leadership")
@login_required
def mine():
    runtime = _runtime()
    include_closed = request.args.get("closed") == "1"
    with runtime.db.read() as session:
        rows = lists.leader_cases(session, leader_case_scope(current_user), now=runtime.now(),
                                  timezone=runtime.timezone, include_closed=include_closed)
    return render_template("leadership/mine.html", rows=rows, include_closed=include_closed)


def _case_page(case_id: int, *, form: str | None = None, values: dict | None = None,
               errors: dict[str, list[str]] | None = None, status: int = 200):
    runtime = _runtime()
    with runtime.db.read() as session:
        case = session.scalars(select(Case).where(Case.id == case_id, leader_case_scope(current_user))).first()
        if case is None:
            abort(404)
        rows = records.records_of(session, case.id)
        departments, handlers = records.follow_up_choices(session)
        reminder = next_check_reminder(session, case.id)
        owner = session.get(User, case.leader_owner_id)
        flags = case_flags.flags_of(session, [case.id]).get(case.id, [])
        [row] = lists.leader_cases(session, Case.id == case.id, now=runtime.now(), timezone=runtime.timezone,
                                   include_closed=True)
        people = records.staff_choices(session)
    return render_template(
        "leadership/case.html", case=case, row=row, records=rows, departments=departments, handlers=handlers,
        reminder=reminder, owner=owner, flags=flags, people=people, today=records.today(runtime),
        form=form, values=values or {}, errors=errors or {}, follow_up_rows=FOLLOW_UP_ROWS,
        parse_time=datetime.fromisoformat), status


@bp.get("/leadership/cases/<int:case_id>")
@login_required
def case(case_id: int):
    return _case_page(case_id)


def _record(case_id: int, form: str, service, **fields):
    try:
        with transaction() as session:
            service(session, _runtime(), case_id, actor=current_user.username,
                    scope=leader_case_scope(current_user), **fields)
    except RecordInvalid as err:
        values = {**request.form.to_dict(), "attendees": request.form.getlist("attendees")}
        return _case_page(case_id, form=form, values=values, errors=_messages(err), status=400)
    flash({"check": _("已记录调度"), "meeting": _("已记录会商"), "visit": _("已记录带案下访")}[form], "info")
    return redirect(url_for("leadership.case", case_id=case_id) + "#h-records", 303)


@bp.post("/leadership/cases/<int:case_id>/checks")
@login_required
def record_check(case_id: int):
    f = request.form
    return _record(case_id, "check", records.record_check, held_on=f.get("held_on"), decisions=f.get("decisions"),
                   next_check=f.get("next_check"))


@bp.post("/leadership/cases/<int:case_id>/meetings")
@login_required
def record_meeting(case_id: int):
    f = request.form
    items = []
    for n in range(records.MAX_FOLLOW_UPS + 1):
        item, department = f.get(f"item-{n}", "").strip(), f.get(f"department-{n}", "")
        person, days = f.get(f"person-{n}", ""), f.get(f"days-{n}", "").strip()
        if item or person or (department and days):
            items.append(records.FollowUpItem(item, department, _int(person) if person else None, days or None))
    return _record(case_id, "meeting", records.record_meeting, held_on=f.get("held_on"),
                   attendee_ids=f.getlist("attendees"), outside=f.get("outside"), decisions=f.get("decisions"),
                   follow_ups=items)


@bp.post("/leadership/cases/<int:case_id>/visits")
@login_required
def record_visit(case_id: int):
    f = request.form
    return _record(case_id, "visit", records.record_visit, held_on=f.get("held_on"), place=f.get("place"),
                   visitors=f.get("visitors"), heard=f.get("heard"), outcome=f.get("outcome"))


# ------------------------------------------------------------------ flags and 重点案件


@bp.app_context_processor
def _flag_helpers():
    def flags_of_case(case_id: int):
        """The case's flags, their reasons masked for those who may not see the complainant. Only
        called from pages that have already checked the case is visible."""
        with _runtime().db.read() as session:
            case = session.get(Case, case_id)
            redact = staff_redactor(case, current_user.sees_identity)
            return [SimpleNamespace(flag=f.flag, set_at=f.set_at, set_by=f.set_by,
                                    reason=redact(f.reason) if redact else f.reason)
                    for f in case_flags.flags_of(session, [case_id]).get(case_id, [])]

    def may_flag(case) -> bool:
        if not (current_user.is_authenticated and in_supervision_section(current_user)):
            return False
        with _runtime().db.read() as session:
            return session.scalar(select(Case.id).where(Case.id == case.id, flag_scope(current_user))) is not None

    def leads(case) -> bool:
        return current_user.is_authenticated and leads_case(current_user, case)

    return {"flags_of_case": flags_of_case, "may_flag_case": may_flag, "leads_case": leads,
            "case_flag_codes": CASE_FLAGS}


@bp.post("/leadership/cases/<int:case_id>/flags")
@login_required
def flag(case_id: int):
    action = request.form.get("action")
    service = {"set": case_flags.set_flag, "clear": case_flags.clear_flag}.get(action)
    if service is None or not in_supervision_section(current_user):
        raise NotFound("no such action")
    code = request.form.get("flag", "")
    try:
        with transaction() as session:
            service(session, _runtime(), case_id, code, actor=current_user.username,
                    reason=request.form.get("reason"), scope=flag_scope(current_user))
    except RecordInvalid as err:
        # The flags sit on the case page; the message says what to put right.
        flash("；".join(message for messages in _messages(err).values() for message in messages), "error")
        return redirect(_back(case_id), 303)
    name = str(FLAG_WORDS.get(code, code))
    flash(_("已标记为“%(flag)s”", flag=name) if action == "set" else _("已取消“%(flag)s”标记", flag=name), "info")
    return redirect(_back(case_id), 303)


def _back(case_id: int) -> str:
    """The case page's flags (the leader's page when the case page is not installed)."""
    return url_for("cases.show", case_id=case_id) + "#h-flags"


@bp.get("/leadership/flagged")
@login_required
def flagged():
    if not in_supervision_section(current_user):
        abort(404)
    args = request.args
    filters = lists.FlagFilters(flag=args.get("flag") if args.get("flag") in CASE_FLAGS else None,
                                colour=args.get("colour") if args.get("colour") in COLOURS else None,
                                department_id=_int(args.get("department")), owner_id=_int(args.get("owner")))
    runtime = _runtime()
    with runtime.db.read() as session:
        page = lists.flagged_cases(session, flag_scope(current_user), filters, now=runtime.now(),
                                   timezone=runtime.timezone, page=requested_page())
        departments = department_choices(session)
        owners = [(u.id, u.display_name) for u in lists.leaders(session)]
    query = {k: v for k, v in {"flag": filters.flag, "colour": filters.colour, "department": filters.department_id,
                                "owner": filters.owner_id}.items() if v}
    return render_template("leadership/flagged.html", page=page, filters=filters, departments=departments,
                           owners=owners, query=query, page_links=page_links)
