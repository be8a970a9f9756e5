"""When the periodic reports fall due, and the administrator's schedule for them.

Reports follow the calendar, not the working calendar: the daily report is issued every day
(weekends and holidays too) about the day before, the weekly one on a weekday about the last
whole week (Monday to Sunday), the monthly one on a day of the month about the last whole month.
Dates are the bureau's local dates. Only the latest due period of each kind is issued: a worker
that was stopped for three days issues yesterday's daily report on restart, not three.

The schedule is one JSON row of the ``setting`` table (like documents/settings.py); every change
is also an audit event.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from engine.core.errors import GreenloopError
from engine.measures.periods import DAY, MONTH, WEEK, Period
from engine.models import AuditEvent
from engine.models.documents import Setting

KEY = "reports"
KINDS = ("daily", "weekly", "monthly")
# The report kind of each kind of period, and back.
PERIOD_KIND = {"daily": DAY, "weekly": WEEK, "monthly": MONTH}
REPORT_KIND = {period: report for report, period in PERIOD_KIND.items()}
# Who is told, as supervision tiers (engine/models/case.TIERS): the bureau's leaders (局领导)
# and the county bureau's supervision section (县局督查科).
RECIPIENTS = {"leaders": 4, "supervision": 3}
# Day 29–31 does not exist in every month; the 28th does.
LAST_MONTH_DAY = 28


class ScheduleInvalid(GreenloopError):
    """A schedule the administrator typed that cannot be kept; says which field and why."""

    def __init__(self, field_name: str, message: str):
        self.field = field_name
        super().__init__(message)


@dataclass(frozen=True)
class Schedule:
    enabled: bool = True
    at: time = time(8, 0)
    weekday: int = 0  # weekly: Monday = 0
    day: int = 1  # monthly: day of the month


@dataclass(frozen=True)
class ReportSettings:
    daily: Schedule = Schedule()
    weekly: Schedule = Schedule()
    monthly: Schedule = Schedule()
    recipients: tuple[str, ...] = tuple(RECIPIENTS)

    def of(self, kind: str) -> Schedule:
        return getattr(self, kind)

    def recipient_tiers(self) -> list[int]:
        return sorted(RECIPIENTS[r] for r in self.recipients if r in RECIPIENTS)


@dataclass(frozen=True)
class Due:
    kind: str
    at: datetime  # the scheduled moment, local time
    period: Period = field(compare=False)


def period_issued_on(kind: str, day: date) -> Period:
    """The period a report of ``kind`` issued on local date ``day`` speaks of: the day, week
    (Monday–Sunday) or month before (engine/measures/periods.py makes it, and knows the period
    before that one for the side-by-side figures)."""
    if kind == "daily":
        return Period.preset(DAY, day - timedelta(days=1))
    if kind == "weekly":
        return Period.preset(WEEK, day - timedelta(days=7 + day.weekday()))
    if kind == "monthly":
        return Period.preset(MONTH, day.replace(day=1) - timedelta(days=1))
    raise ValueError(f"unknown report kind {kind!r}")


def latest_due(kind: str, schedule: Schedule, now: datetime, tz: ZoneInfo) -> Due | None:
    """The latest scheduled moment of ``kind`` at or before ``now``, with its period; None when
    the schedule is off."""
    if not schedule.enabled:
        return None
    local = now.astimezone(tz)
    today = local.date()
    if kind == "daily":
        day = today
        step = lambda d: d - timedelta(days=1)  # noqa: E731
    elif kind == "weekly":
        day = today - timedelta(days=(today.weekday() - schedule.weekday) % 7)
        step = lambda d: d - timedelta(days=7)  # noqa: E731
    elif kind == "monthly":
        day = today.replace(day=schedule.day)
        step = _month_before
    else:
        raise ValueError(f"unknown report kind {kind!r}")
    moment = datetime.combine(day, schedule.at, tz)
    if moment > local:
        day = step(day)
        moment = datetime.combine(day, schedule.at, tz)
    return Due(kind, moment, period_issued_on(kind, day))


def _month_before(day: date) -> date:
    first = day.replace(day=1) - timedelta(days=1)
    return first.replace(day=day.day)


# ---------------------------------------------------------------------------- stored settings


def load(session: Session) -> ReportSettings:
    row = session.get(Setting, KEY)
    return _from_json(row.value) if row is not None else ReportSettings()


def _from_json(value) -> ReportSettings:
    """The stored schedule; a value damaged by hand falls back to the defaults, part by part
    (the worker's job loop reads it every round and must not stop over it)."""
    if not isinstance(value, Mapping):
        return ReportSettings()

    def number(raw, default: int) -> int:
        try:
            return int(raw)
        except (TypeError, ValueError):
            return default

    def schedule(raw) -> Schedule:
        raw = raw if isinstance(raw, Mapping) else {}
        try:
            at = time.fromisoformat(str(raw.get("at") or "08:00"))
        except ValueError:
            at = time(8, 0)
        return Schedule(enabled=bool(raw.get("enabled", True)), at=at, weekday=number(raw.get("weekday"), 0) % 7,
                        day=min(max(number(raw.get("day"), 1), 1), LAST_MONTH_DAY))

    chosen = value.get("recipients", list(RECIPIENTS))
    recipients = tuple(r for r in RECIPIENTS if isinstance(chosen, list) and r in chosen)
    return ReportSettings(**{k: schedule(value.get(k)) for k in KINDS}, recipients=recipients)


def _to_json(settings: ReportSettings) -> dict:
    out: dict = {k: {**asdict(settings.of(k)), "at": settings.of(k).at.strftime("%H:%M")} for k in KINDS}
    out["recipients"] = list(settings.recipients)
    return out


def parse_form(form: Mapping[str, str]) -> ReportSettings:
    """The schedule page's fields (``daily_enabled``, ``daily_at`` HH:MM, ``weekly_weekday`` 0–6,
    ``monthly_day`` 1–28, ``recipients``) as settings; ScheduleInvalid names the first bad field."""
    schedules = {}
    for kind in KINDS:
        text = (form.get(f"{kind}_at") or "").strip()
        try:
            if len(text) != 5 or text[2] != ":":
                raise ValueError(text)
            at = time(int(text[:2]), int(text[3:]))
        except ValueError:
            raise ScheduleInvalid(f"{kind}_at", f"时间须为 HH:MM，如 08:00 (time must be HH:MM, e.g. 08:00): {text[:20]!r}") \
                from None
        schedule = Schedule(enabled=form.get(f"{kind}_enabled") == "1", at=at)
        if kind == "weekly":
            schedule = replace(schedule, weekday=_number(form, "weekly_weekday", 0, 6,
                                                         "星期须为 0（星期一）到 6（星期日） (weekday must be 0–6)"))
        if kind == "monthly":
            schedule = replace(schedule, day=_number(form, "monthly_day", 1, LAST_MONTH_DAY,
                                                     f"日期须为每月 1–{LAST_MONTH_DAY} 日 "
                                                     f"(day of the month must be 1–{LAST_MONTH_DAY})"))
        schedules[kind] = schedule
    getlist = getattr(form, "getlist", None)
    chosen = getlist("recipients") if getlist else form.get("recipients") or []
    unknown = [r for r in chosen if r not in RECIPIENTS]
    if unknown:
        raise ScheduleInvalid("recipients", f"未知的接收对象 (unknown recipients): {', '.join(unknown)[:60]}")
    if not chosen:
        raise ScheduleInvalid("recipients", "请至少选择一类接收人 (choose at least one group of recipients)")
    return ReportSettings(**schedules, recipients=tuple(r for r in RECIPIENTS if r in chosen))


def _number(form: Mapping[str, str], name: str, low: int, high: int, message: str) -> int:
    text = (form.get(name) or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise ScheduleInvalid(name, message)
    return int(text)


def save(session: Session, new: ReportSettings, *, actor: str, now: datetime) -> ReportSettings:
    """Store the schedule (in the caller's transaction) and audit what changed."""
    old = _to_json(load(session))
    value = _to_json(new)
    row = session.get(Setting, KEY, with_for_update=True)
    if row is None:
        row = Setting(key=KEY, value={}, updated_by=actor, updated_at=now)
        session.add(row)
    row.value = value
    row.updated_by = actor
    row.updated_at = now
    changed = {k: [old.get(k), v] for k, v in value.items() if old.get(k) != v}
    if changed:
        session.add(AuditEvent(case_id=None, at=now, actor=actor, kind="setting_changed",
                               detail={"setting": KEY, "changed": changed}))
    return new


def updated(session: Session) -> tuple[str, datetime] | None:
    row = session.get(Setting, KEY)
    return (row.updated_by, row.updated_at) if row is not None else None
