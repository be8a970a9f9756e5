"""Working-day deadlines against the real 2026 holiday arrangement.

Shanghai is UTC+8 all year, so "24:00 local of day D" is D 16:00 UTC; the
expected values below are written in UTC to make that conversion explicit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from engine.calendar import workdays
from engine.calendar.workdays import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")


def sh(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def utc(y, m, d, hh=0, mm=0, ss=0):
    return datetime(y, m, d, hh, mm, ss, tzinfo=timezone.utc)


def end_of(y, m, d):
    """24:00 Shanghai of the given date, in UTC."""
    return utc(y, m, d, 16)


@pytest.fixture
def cal():
    return WorkCalendar()


# ---------------------------------------------------------------- counting


def test_plain_week_start_day_does_not_count(cal):
    start = sh(2026, 3, 2, 10)  # Monday
    assert cal.deadline(start, days=1) == end_of(2026, 3, 3)
    assert cal.deadline(start, days=3) == end_of(2026, 3, 5)
    assert cal.deadline(start, days=5) == end_of(2026, 3, 9)  # Tue..Fri, then Mon


def test_result_is_utc_aware(cal):
    due = cal.deadline(sh(2026, 3, 2, 10), days=1)
    assert due.tzinfo is timezone.utc
    assert due.astimezone(SH) == sh(2026, 3, 4)  # 00:00 of the following calendar day


def test_zero_days_ends_at_midnight_of_start_date(cal):
    assert cal.deadline(sh(2026, 3, 2, 10), days=0) == end_of(2026, 3, 2)


def test_friday_evening_counts_over_weekend(cal):
    start = sh(2026, 3, 6, 21)  # Friday 21:00
    assert cal.deadline(start, days=1) == end_of(2026, 3, 9)
    assert cal.deadline(start, days=2) == end_of(2026, 3, 10)


def test_national_day_2026_golden_week(cal):
    # 2026: Oct 1-7 off, Sun Sep 20 and Sat Oct 10 are make-up workdays, Oct 8 is a workday.
    start = sh(2026, 9, 30, 9)
    assert cal.deadline(start, days=1) == end_of(2026, 10, 8)
    assert cal.deadline(start, days=2) == end_of(2026, 10, 9)
    assert cal.deadline(start, days=3) == end_of(2026, 10, 10)  # Saturday make-up day
    assert cal.deadline(start, days=4) == end_of(2026, 10, 12)


def test_mid_autumn_2026(cal):
    # Sep 25-27 2026 off.
    assert cal.deadline(sh(2026, 9, 24, 9), days=1) == end_of(2026, 9, 28)


def test_spring_festival_2026(cal):
    # Feb 15-23 off; Sat Feb 14 and Sat Feb 28 are make-up workdays.
    start = sh(2026, 2, 13, 10)  # Friday before the holiday
    assert cal.deadline(start, days=1) == end_of(2026, 2, 14)
    assert cal.deadline(start, days=2) == end_of(2026, 2, 24)
    assert cal.deadline(start, days=10) == end_of(2026, 3, 5)


def test_start_on_a_holiday(cal):
    assert cal.deadline(sh(2026, 10, 3, 15), days=1) == end_of(2026, 10, 8)
    assert cal.deadline(sh(2026, 2, 17, 11), days=1) == end_of(2026, 2, 24)
    # With 0 days the limit still ends the same (holiday) day.
    assert cal.deadline(sh(2026, 10, 3, 15), days=0) == end_of(2026, 10, 3)


def test_make_up_workday_counts_as_workday(cal):
    assert cal.is_workday(date(2026, 9, 20))  # Sunday
    assert cal.is_workday(date(2026, 10, 10))  # Saturday
    assert not cal.is_workday(date(2026, 10, 11))
    assert cal.deadline(sh(2026, 9, 18, 17), days=1) == end_of(2026, 9, 20)
    # Starting on the make-up Saturday: the day itself does not count.
    assert cal.deadline(sh(2026, 10, 10, 8), days=1) == end_of(2026, 10, 12)


def test_nth_workday_after(cal):
    assert cal.nth_workday_after(date(2026, 9, 30), 0) == date(2026, 9, 30)
    assert cal.nth_workday_after(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.nth_workday_after(date(2026, 9, 18), 1) == date(2026, 9, 20)


def test_fifteen_day_deadline_over_qingming(cal):
    # Complaint registered Monday afternoon; Qingming Apr 4-6 2026 off.
    start = sh(2026, 3, 16, 14, 30)
    assert cal.deadline(start, days=15) == end_of(2026, 4, 7)
    assert cal.add_working_days(start, 15) == end_of(2026, 4, 7)


def test_sixty_day_deadline_over_autumn_holidays(cal):
    start = sh(2026, 9, 1, 9)
    assert cal.deadline(start, days=60) == end_of(2026, 11, 30)


def test_late_night_start_uses_local_date(cal):
    # 15:30Z is 23:30 Thursday in Shanghai: still Thursday.
    assert cal.deadline(utc(2026, 3, 5, 15, 30), days=1) == end_of(2026, 3, 6)
    assert cal.deadline(utc(2026, 3, 5, 15, 30), days=0) == end_of(2026, 3, 5)
    # 16:00Z is 00:00 Friday in Shanghai: Friday does not count, Monday is day 1.
    assert cal.deadline(utc(2026, 3, 5, 16), days=1) == end_of(2026, 3, 9)


def test_other_timezone():
    cal = WorkCalendar(tz="UTC")
    assert cal.tz == ZoneInfo("UTC")
    assert cal.deadline(utc(2026, 3, 5, 23, 30), days=1) == utc(2026, 3, 7)


# ------------------------------------------------------------- hour limits


def test_hour_deadline_counts_calendar_hours(cal):
    start = sh(2026, 10, 1, 10)  # holidays and weekends do not pause urgent matters
    assert cal.deadline(start, hours=24) == utc(2026, 10, 2, 2)
    assert cal.deadline(start, hours=1.5) == utc(2026, 10, 1, 3, 30)


# ---------------------------------------------------------------- warnings


def test_warning_one_day_is_end_of_start_date(cal):
    assert cal.warning(sh(2026, 3, 2, 10), days=1) == end_of(2026, 3, 2)


def test_warning_five_days(cal):
    # k = 1: yellow once the last working day (Mon Mar 9) begins.
    assert cal.warning(sh(2026, 3, 2, 10), days=5) == end_of(2026, 3, 6)


def test_warning_fifteen_days(cal):
    # k = 3: end of working day 12.
    assert cal.warning(sh(2026, 3, 2, 10), days=15) == end_of(2026, 3, 18)
    assert cal.warning(sh(2026, 3, 16, 14, 30), days=15) == end_of(2026, 4, 1)


def test_warning_sixty_days(cal):
    # k = 12: end of working day 48.
    assert cal.warning(sh(2026, 3, 2, 10), days=60) == end_of(2026, 5, 12)
    assert cal.warning(sh(2026, 9, 1, 9), days=60) == end_of(2026, 11, 12)


def test_warning_thirty_days_avoids_float_ceil_error(cal):
    # 0.2 * 30 == 6.000000000000001 in floats; k must be 6, i.e. working day 24.
    assert cal.warning(sh(2026, 3, 2, 10), days=30) == end_of(2026, 4, 3)


def test_warning_zero_days_is_immediate(cal):
    start = sh(2026, 3, 2, 10)
    assert cal.warning(start, days=0) == utc(2026, 3, 2, 2)


def test_warning_hours(cal):
    start = utc(2026, 3, 2, 2)
    assert cal.warning(start, hours=24) == start + timedelta(hours=19.2)
    assert cal.warning(start, hours=24) == utc(2026, 3, 2, 21, 12)


# ---------------------------------------------------- overrides & coverage


def test_overrides_beat_package_data():
    cal = WorkCalendar(overrides={date(2026, 10, 8): False, date(2026, 10, 11): True})
    assert not cal.is_workday(date(2026, 10, 8))
    assert cal.is_workday(date(2026, 10, 11))
    start = sh(2026, 9, 30, 9)
    assert cal.deadline(start, days=1) == end_of(2026, 10, 9)
    assert cal.deadline(start, days=3) == end_of(2026, 10, 11)


def test_uncovered_year_falls_back_to_weekends(cal):
    assert not cal.is_covered(2027)
    assert cal.is_covered(2026)
    assert cal.uncovered_years(date(2026, 12, 1), date(2027, 3, 1)) == [2027]
    assert cal.uncovered_years(date(2003, 6, 1), date(2004, 6, 1)) == [2003]
    # Jan 1 2027 is a Friday: only weekends are known, so it counts.
    assert cal.is_workday(date(2027, 1, 1))
    assert not cal.is_workday(date(2027, 1, 2))
    assert cal.deadline(sh(2026, 12, 31, 10), days=1) == end_of(2027, 1, 1)


def test_entered_year_is_covered_and_uses_overrides():
    cal = WorkCalendar(overrides={date(2027, 1, 1): False}, entered_years=[2027])
    assert cal.is_covered(2027)
    assert cal.uncovered_years(date(2026, 12, 1), date(2027, 3, 1)) == []
    assert cal.deadline(sh(2026, 12, 31, 10), days=1) == end_of(2027, 1, 4)


def test_lookups_are_cached(monkeypatch):
    calls = []
    real = chinese_calendar.is_workday

    def counting(d):
        calls.append(d)
        return real(d)

    monkeypatch.setattr(chinese_calendar, "is_workday", counting)
    workdays._base_year.cache_clear()
    start = sh(2026, 3, 2, 10)
    first = WorkCalendar().deadline(start, days=90)
    made = len(calls)
    assert made > 0  # the patch is really in the path
    # Repeated calls, and fresh instances (one per request), reuse the package data.
    cal = WorkCalendar(overrides={date(2026, 3, 3): False})
    for _ in range(200):
        assert cal.deadline(start, days=90) == end_of(2026, 7, 13)
    assert len(calls) == made
    assert first == end_of(2026, 7, 10)


# ------------------------------------------------------- working days left


def test_working_days_left_fractional_today(cal):
    due = end_of(2026, 3, 6)  # Friday
    assert cal.working_days_left(sh(2026, 3, 4, 12), due) == 2.5
    assert cal.working_days_left(sh(2026, 3, 6, 18), due) == 0.25


def test_working_days_left_skips_rest_days(cal):
    assert cal.working_days_left(sh(2026, 3, 7, 12), end_of(2026, 3, 10)) == 2.0
    assert cal.working_days_left(sh(2026, 9, 30, 12), end_of(2026, 10, 8)) == 1.5


def test_working_days_left_hour_deadline(cal):
    assert cal.working_days_left(sh(2026, 3, 2, 10), sh(2026, 3, 2, 22)) == 0.5


def test_working_days_left_at_and_after_due(cal):
    due = end_of(2026, 3, 6)  # Friday 24:00
    assert cal.working_days_left(due, due) == 0.0
    assert cal.working_days_left(sh(2026, 3, 7, 10), due) == 0.0  # only the weekend has passed
    assert cal.working_days_left(sh(2026, 3, 9, 10), due) == -1.0
    assert cal.working_days_left(sh(2026, 3, 10, 0, 30), due) == -2.0
    assert cal.working_days_left(sh(2026, 3, 10, 23), due) == -2.0


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize("method", ["deadline", "warning"])
def test_naive_datetime_rejected(cal, method):
    with pytest.raises(ValueError, match="timezone-aware"):
        getattr(cal, method)(datetime(2026, 3, 2, 10), days=1)


def test_naive_in_working_days_left_rejected(cal):
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_days_left(datetime(2026, 3, 2, 10), end_of(2026, 3, 6))
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_days_left(sh(2026, 3, 2, 10), datetime(2026, 3, 6))


@pytest.mark.parametrize("method", ["deadline", "warning"])
def test_days_hours_validation(cal, method):
    start = sh(2026, 3, 2, 10)
    fn = getattr(cal, method)
    with pytest.raises(ValueError, match="exactly one"):
        fn(start)
    with pytest.raises(ValueError, match="exactly one"):
        fn(start, days=1, hours=2)
    with pytest.raises(ValueError, match="negative"):
        fn(start, days=-1)
    with pytest.raises(ValueError, match="negative"):
        fn(start, hours=-1)
    with pytest.raises(ValueError, match="integer"):
        fn(start, days=True)
    with pytest.raises(ValueError, match="integer"):
        fn(start, days=1.5)


def test_nth_workday_after_negative_rejected(cal):
    with pytest.raises(ValueError, match="negative"):
        cal.nth_workday_after(date(2026, 3, 2), -1)
