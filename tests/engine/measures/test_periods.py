"""Periods of local dates, their previous periods, UTC bounds and trend buckets; rates and durations."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from engine.core.errors import FormInvalid
from engine.measures import Duration, Period, Rate, period_from
from engine.measures.compute import _local_day_pieces


def test_presets_contain_today():
    today = date(2026, 3, 4)  # a Wednesday
    assert Period.preset("day", today) == Period(today, today, "day")
    assert Period.preset("week", today) == Period(date(2026, 3, 2), date(2026, 3, 8), "week")
    assert Period.preset("month", today) == Period(date(2026, 3, 1), date(2026, 3, 31), "month")
    assert Period.preset("year", today) == Period(date(2026, 1, 1), date(2026, 12, 31), "year")
    assert Period.containing(datetime(2026, 3, 31, 16, 0, tzinfo=timezone.utc), "month", "Asia/Shanghai").start \
        == date(2026, 4, 1)  # 00:00 on 1 April in Shanghai


def test_previous_period_of_equal_kind():
    assert Period.preset("month", date(2026, 3, 15)).previous() == Period(date(2026, 2, 1), date(2026, 2, 28), "month")
    assert Period.preset("month", date(2026, 1, 15)).previous().start == date(2025, 12, 1)
    assert Period.preset("week", date(2026, 3, 4)).previous() == Period(date(2026, 2, 23), date(2026, 3, 1), "week")
    assert Period.preset("day", date(2026, 3, 1)).previous() == Period(date(2026, 2, 28), date(2026, 2, 28), "day")
    assert Period.preset("year", date(2026, 3, 1)).previous().start == date(2025, 1, 1)
    custom = Period(date(2026, 3, 10), date(2026, 3, 19))
    assert custom.previous() == Period(date(2026, 2, 28), date(2026, 3, 9))
    # A range that is exactly a month is that month, and steps back a month.
    assert Period.custom(date(2026, 2, 1), date(2026, 2, 28)).kind == "month"
    assert Period.preset("month", date(2028, 2, 10)).year_before() == Period(date(2027, 2, 1), date(2027, 2, 28), "month")


def test_utc_bounds_are_local_midnights():
    start, end = Period(date(2026, 3, 1), date(2026, 3, 31)).utc_bounds("Asia/Shanghai")
    assert start == datetime(2026, 2, 28, 16, 0, tzinfo=timezone.utc)
    assert end == datetime(2026, 3, 31, 16, 0, tzinfo=timezone.utc)  # 23:30 on the 31st is inside


def test_buckets_are_cut_to_the_period():
    months = Period(date(2026, 3, 15), date(2026, 5, 14)).buckets("month")
    assert [(b.start, b.end) for b in months] == [
        (date(2026, 3, 15), date(2026, 3, 31)), (date(2026, 4, 1), date(2026, 4, 30)),
        (date(2026, 5, 1), date(2026, 5, 14))]
    weeks = Period.preset("month", date(2026, 3, 1)).buckets("week")
    assert weeks[0] == Period(date(2026, 3, 1), date(2026, 3, 1), "week") and weeks[1].start == date(2026, 3, 2)
    assert len(Period.preset("year", date(2026, 1, 1)).buckets("day")) == 365


def test_bad_periods_are_refused_with_the_field_named():
    with pytest.raises(FormInvalid) as err:
        Period(date(2026, 3, 2), date(2026, 3, 1))
    assert "to" in err.value.errors
    with pytest.raises(FormInvalid) as err:
        period_from({"from": "2026-03-01"}, date(2026, 3, 1))
    assert "to" in err.value.errors
    with pytest.raises(FormInvalid) as err:
        period_from({"from": "2026-13-01", "to": "2026-12-31"}, date(2026, 3, 1))
    assert "from" in err.value.errors
    with pytest.raises(FormInvalid) as err:
        period_from({"period": "decade"}, date(2026, 3, 1))
    assert "period" in err.value.errors
    with pytest.raises(FormInvalid):
        Period(date(2000, 1, 1), date(2026, 1, 1))
    with pytest.raises(FormInvalid) as err:
        Period(date(2024, 1, 1), date(2026, 1, 1)).buckets("day")
    assert "bucket" in err.value.errors
    assert period_from({}, date(2026, 3, 9)) == Period(date(2026, 3, 1), date(2026, 3, 31), "month")


def test_daylight_saving_zones_are_cut_where_the_offset_changes():
    pieces = _local_day_pieces(Period(date(2026, 3, 1), date(2026, 3, 31)), ZoneInfo("Europe/Berlin"))
    assert len(pieces) == 2 and pieces[0][1] == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)
    assert len(_local_day_pieces(Period(date(2026, 1, 1), date(2026, 12, 31)),
                                 ZoneInfo("Asia/Shanghai"))) == 1


def test_a_rate_without_denominator_has_no_value():
    assert Rate(0, 0).value is None and Rate(0, 0).text() == "—" and str(Rate(0, 0)) == "—"
    assert Rate(0, 3).text() == "0.0%" and Rate(3, 3).text() == "100.0%" and Rate(2, 3).text(2) == "66.67%"
    assert Rate(0, 0).as_dict() == {"numerator": 0, "denominator": 0, "value": None}


def test_duration_mean_and_median_from_a_histogram():
    assert Duration.from_histogram({}) == Duration(0, None, None) and Duration(0, None, None).text() == "—"
    d = Duration.from_histogram({1: 1, 2: 1, 10: 2})  # 1 2 10 10
    assert (d.cases, d.mean, d.median) == (4, 5.75, 6.0)
    assert Duration.from_histogram({3: 3}).median == 3.0
    assert Duration.from_histogram({0: 1, 4: 2}).text() == "2.7 / 4"
