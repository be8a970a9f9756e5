"""When the periodic reports fall due: calendar days, weeks and months in local time, never the
working calendar; and the administrator's schedule as typed into the form."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import MultiDict

from engine.reports.schedule import Schedule, ScheduleInvalid, latest_due, parse_form

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def due(kind: str, now: str, **schedule):
    found = latest_due(kind, Schedule(**schedule), at(now), TZ)
    return None if found is None else (found.at.strftime("%Y-%m-%d %H:%M"), found.period.start, found.period.end)


def test_the_daily_report_is_due_at_its_time_about_the_day_before():
    assert due("daily", "2026-03-03 07:59") == ("2026-03-02 08:00", date(2026, 3, 1), date(2026, 3, 1))
    assert due("daily", "2026-03-03 08:00") == ("2026-03-03 08:00", date(2026, 3, 2), date(2026, 3, 2))
    # New Year: the report of 31 December is issued on 1 January.
    assert due("daily", "2026-01-01 09:00") == ("2026-01-01 08:00", date(2025, 12, 31), date(2025, 12, 31))
    # Another hour, and an instant given in UTC is read in local time (01:30 UTC is 09:30 here).
    assert due("daily", "2026-03-03 06:00", at=time(5, 30)) == ("2026-03-03 05:30", date(2026, 3, 2), date(2026, 3, 2))
    utc = latest_due("daily", Schedule(), datetime.fromisoformat("2026-03-03T01:30:00+00:00"), TZ)
    assert utc.period.start == date(2026, 3, 2)


def test_holidays_and_weekends_do_not_matter_reports_follow_the_calendar():
    # Spring Festival 2026 (17 February) and a Sunday: the daily report is due all the same.
    assert due("daily", "2026-02-17 08:00")[1:] == (date(2026, 2, 16), date(2026, 2, 16))
    assert due("daily", "2026-03-01 08:30")[1:] == (date(2026, 2, 28), date(2026, 2, 28))
    # National Day week: the weekly report on Monday 5 October speaks of 28 Sept – 4 Oct.
    assert due("weekly", "2026-10-05 08:00")[1:] == (date(2026, 9, 28), date(2026, 10, 4))


def test_the_weekly_report_covers_the_last_whole_week_monday_to_sunday():
    # Monday 2 March 2026, 08:00: last week is 23 February – 1 March.
    assert due("weekly", "2026-03-02 08:00") == ("2026-03-02 08:00", date(2026, 2, 23), date(2026, 3, 1))
    # Before 08:00 on Monday, the latest due moment is the Monday before.
    assert due("weekly", "2026-03-02 07:00") == ("2026-02-23 08:00", date(2026, 2, 16), date(2026, 2, 22))
    assert due("weekly", "2026-03-08 23:59")[0] == "2026-03-02 08:00"
    # Issued on Wednesdays: still the whole week before the week of issue.
    assert due("weekly", "2026-03-05 10:00", weekday=2) == ("2026-03-04 08:00", date(2026, 2, 23), date(2026, 3, 1))
    # Across a year: Monday 4 January 2027 reports on 28 December 2026 – 3 January 2027.
    assert due("weekly", "2027-01-04 08:00")[1:] == (date(2026, 12, 28), date(2027, 1, 3))


def test_the_monthly_report_covers_the_last_month():
    assert due("monthly", "2026-03-01 08:00") == ("2026-03-01 08:00", date(2026, 2, 1), date(2026, 2, 28))
    assert due("monthly", "2026-03-01 07:59") == ("2026-02-01 08:00", date(2026, 1, 1), date(2026, 1, 31))
    assert due("monthly", "2026-01-01 08:00")[1:] == (date(2025, 12, 1), date(2025, 12, 31))
    assert due("monthly", "2028-03-02 00:00")[1:] == (date(2028, 2, 1), date(2028, 2, 29))  # leap year
    # On the 15th: before it, last month's 15th is the latest moment, about the month before that.
    assert due("monthly", "2026-03-14 12:00", day=15) == ("2026-02-15 08:00", date(2026, 1, 1), date(2026, 1, 31))
    assert due("monthly", "2026-03-15 08:00", day=15)[1:] == (date(2026, 2, 1), date(2026, 2, 28))


def test_the_previous_period_is_the_day_week_or_month_before():
    daily = latest_due("daily", Schedule(), at("2026-03-01 09:00"), TZ).period.previous()
    weekly = latest_due("weekly", Schedule(), at("2026-03-02 09:00"), TZ).period.previous()
    monthly = latest_due("monthly", Schedule(), at("2026-03-01 09:00"), TZ).period.previous()
    assert (daily.start, daily.end) == (date(2026, 2, 27), date(2026, 2, 27))
    assert (weekly.start, weekly.end) == (date(2026, 2, 16), date(2026, 2, 22))
    assert (monthly.start, monthly.end) == (date(2026, 1, 1), date(2026, 1, 31))


def test_a_schedule_turned_off_is_never_due():
    assert due("daily", "2026-03-03 09:00", enabled=False) is None


FORM = {"daily_enabled": "1", "daily_at": "07:30", "weekly_enabled": "1", "weekly_at": "08:00",
        "weekly_weekday": "4", "monthly_at": "09:15", "monthly_day": "28"}


def test_the_form_gives_the_schedule():
    settings = parse_form(MultiDict({**FORM, "recipients": ["leaders", "supervision"]}))
    assert settings.daily == Schedule(enabled=True, at=time(7, 30))
    assert settings.weekly == Schedule(enabled=True, at=time(8, 0), weekday=4)
    assert settings.monthly == Schedule(enabled=False, at=time(9, 15), day=28)  # no monthly_enabled: off
    assert settings.recipients == ("leaders", "supervision")
    assert parse_form(MultiDict({**FORM, "recipients": ["supervision"]})).recipient_tiers() == [3]


@pytest.mark.parametrize("change, field", [
    ({"daily_at": "8"}, "daily_at"), ({"daily_at": "24:00"}, "daily_at"), ({"weekly_at": "ab:cd"}, "weekly_at"),
    ({"weekly_weekday": "7"}, "weekly_weekday"), ({"monthly_day": "29"}, "monthly_day"),
    ({"monthly_day": "0"}, "monthly_day"), ({"monthly_day": "-1"}, "monthly_day"),
    ({"recipients": ["everyone"]}, "recipients"), ({"recipients": []}, "recipients"),
])
def test_the_form_refuses_what_cannot_be_kept(change, field):
    form = MultiDict({**FORM, "recipients": ["leaders"]})
    for key, value in change.items():
        form.setlist(key, value if isinstance(value, list) else [value])
    with pytest.raises(ScheduleInvalid) as err:
        parse_form(form)
    assert err.value.field == field
    assert "(" in str(err.value)  # Chinese, with the English in brackets
