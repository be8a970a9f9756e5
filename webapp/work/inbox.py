"""The task inbox: "assigned to me" and "my groups", with filters, sorting and paging."""
from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from engine.core import reference_cache
from engine.core.timefmt import deadline_text
from engine.models import CATEGORIES, CHANNELS, COLOURS, STAGES
from engine.org.places import town_choices
from engine.work.inbox import DUE_WINDOWS, SORTS, InboxFilters, inbox_page
from webapp.access import task_scope
from webapp.labels import task_title
from webapp.paging import page_links, requested_page
from webapp.runtime import current_runtime as _runtime

bp = Blueprint("inbox", __name__)
_TOWN = re.compile(r"[A-Za-z0-9_-]{1,64}")
SEARCH_MAX = 100


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name, "").strip()
    return value if value in allowed else None


def read_filters() -> InboxFilters:
    town = request.args.get("town", "").strip()
    return InboxFilters(
        stage=_choice("stage", STAGES), colour=_choice("colour", COLOURS), due=_choice("due", DUE_WINDOWS),
        town=town if _TOWN.fullmatch(town) else None, category=_choice("category", CATEGORIES),
        channel=_choice("channel", CHANNELS), q=request.args.get("q", "").strip()[:SEARCH_MAX] or None,
        sort=_choice("sort", SORTS) or "due")


def _number(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def remaining(row) -> str:
    """"剩余 2.5 个工作日" / "已超期 3 个工作日", from the working calendar."""
    if row.days_left is None:
        return ""
    if row.overdue:
        late = -row.days_left
        return _("已超期 %(n)s 个工作日", n=_number(late)) if late >= 1 else _("已超期")
    if round(row.days_left, 1) == 0:
        return _("即将到期")
    return _("剩余 %(n)s 个工作日", n=_number(row.days_left))


def deadline(when: datetime | None) -> str:
    return deadline_text(when, ZoneInfo(_runtime().timezone))


def lang() -> str:
    return "en" if str(get_locale()) == "en" else "zh_CN"


def template_helpers() -> dict:
    """What the inbox, task and approval templates use to show a task."""
    return dict(remaining=remaining, deadline=deadline, page_links=page_links,
                task_title=lambda task: task_title(task, lang()))


@bp.get("/inbox")
@login_required
def index():
    runtime = _runtime()
    filters = read_filters()
    page_no = requested_page()
    # The calendar and the towns come from the per-process reference cache, checked once for both.
    with runtime.db.read() as session, reference_cache.scope(session):
        page = inbox_page(session, task_scope(current_user), view=request.args.get("view", ""),
                          user_id=current_user.id, filters=filters, page=page_no, now=runtime.now(),
                          tz=runtime.timezone)
        towns = town_choices(session)
    query = {**filters.active(), **({"sort": filters.sort} if filters.sort != "due" else {})}
    context = dict(page=page, filters=filters, query=query, towns=towns, **template_helpers())
    # htmx asks for the results only when a filter changes; without JavaScript the whole page loads.
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "inbox-results":
        return render_template("inbox_results.html", **context)
    return render_template("inbox.html", **context)
