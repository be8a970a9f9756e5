"""Measures where the fact is a column: cases written as rows (colours, handling times, places),
zero denominators, scopes, filters, trend buckets on the time-zone edge, ranking ties."""
from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, true, update

from engine.core.errors import FormInvalid
from engine.measures import DrillDown, Filters, Period, measure, ranking, trend
from engine.models import Case, Department
from engine.org.scopes import StaffMember, may_see_statistics, statistics_scope

TZ = "Asia/Shanghai"
MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "month")
_numbers = itertools.count(1)
VILLAGE = {"T01": "/C/T01/T01-A01/T01-A01-V01/", "T02": "/C/T02/T02-A01/T02-A01-V01/"}


def local(day: int, hour: int = 10, minute: int = 0, month: int = 3) -> datetime:
    """A moment of March 2026 (or ``month``) in Shanghai, as UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=timezone(timedelta(hours=8))).astimezone(timezone.utc)


def add(session, *, town="T01", received=None, status="received", colour="blue", department=None, **more) -> Case:
    n = next(_numbers)
    department_id = session.scalar(select(Department.id).where(Department.code == department)) if department else None
    case = Case(number=f"测试〔2026〕{n:06d}", tracking_code=f"TRK{n:08d}", channel=more.pop("channel", "hotline"),
                category=more.pop("category", "air"), title="案件", received_at=received or local(2),
                grid_path=VILLAGE[town] if town else None, status=status, colour=colour,
                department_id=department_id, **more)
    session.add(case)
    session.flush()
    return case


def closed(**more) -> dict:
    return {"status": "closed", "colour": "green", "accepted_at": local(2), "closed_at": local(5),
            "closed_on_time": True, "assigned_at": local(2), **more}


def figures(env, period=MARCH, scope=None, **kwargs):
    with env.db.read() as s:
        return measure(s, period, scope=true() if scope is None else scope, tz=TZ, **kwargs)


def test_zero_denominators_have_no_value_never_0_or_100_percent(env):
    total = figures(env).total
    data = total.as_dict()
    for code in ("closure_rate", "on_time_rate", "follow_up_rate", "satisfaction_rate", "repeat_rate",
                 "return_rate"):
        assert data["measures"][code] == {"numerator": 0, "denominator": 0, "value": None}
        assert total.rate(code).text() == "—"
    assert data["measures"]["handling_time"] == {"cases": 0, "mean": None, "median": None}
    assert data["measures"]["received"] == {"numerator": 0, "denominator": None, "value": 0}


def test_only_unreachable_follow_ups_leave_satisfaction_without_value(env):
    with env.db.write() as s:
        add(s, **closed(satisfaction="unreachable", followed_up_at=local(6)))
        # A stale rating from before a reopening does not count: its follow-up is not recorded.
        add(s, **closed(satisfaction="unsatisfied", followed_up_at=None))
    total = figures(env).total
    assert (total.rate("follow_up_rate").numerator, total.rate("follow_up_rate").denominator) == (1, 2)
    assert total.rate("satisfaction_rate").value is None


def test_colours_now_and_handling_time(env):
    with env.db.write() as s:
        add(s, colour="red", status="handling", accepted_at=local(2), escalation_count=2)
        add(s, colour="yellow", status="handling", accepted_at=local(2))
        add(s, colour="yellow", status="accepted", accepted_at=local(2))
        for days in (1, 3, 4, 9):
            add(s, **closed(handling_workdays=days))
        add(s, status="rejected", colour="green", closed_at=local(3))
    total = figures(env).total
    assert (total.count("overdue"), total.count("warning"), total.count("escalated")) == (1, 2, 1)
    d = total.duration()
    assert (d.cases, d.mean, d.median) == (4, 4.25, 3.5)
    assert (total.count("received"), total.count("accepted"), total.count("closed")) == (8, 7, 4)


def test_scopes_decide_whose_cases_are_counted(env):
    with env.db.write() as s:
        add(s, town="T01", department="air")
        add(s, town="T01", department="enforcement")
        add(s, town="T02", department="air")
        add(s, town=None)
    lead = StaffMember(1, frozenset({"lead"}), _dept(env, "air"), "/C/", "county", None)
    town = StaffMember(2, frozenset({"supervisor"}), None, "/C/T01/", "town", 2)
    county = StaffMember(3, frozenset({"supervisor"}), None, "/C/", "county", 3)
    handler = StaffMember(4, frozenset({"handler"}), _dept(env, "air"), "/C/", "county", None)
    admin = StaffMember(5, frozenset({"admin"}), None, None, None, None)
    seen = {name: figures(env, scope=statistics_scope(who)).total.count("received")
            for name, who in (("lead", lead), ("town", town), ("county", county), ("admin", admin))}
    assert seen == {"lead": 2, "town": 2, "county": 4, "admin": 4}
    assert not may_see_statistics(handler) and figures(env, scope=statistics_scope(handler)).total.count("received") == 0
    assert all(may_see_statistics(who) for who in (lead, town, county, admin))


def _dept(env, code):
    with env.db.read() as s:
        return s.scalar(select(Department.id).where(Department.code == code))


def test_filters_and_slices(env):
    with env.db.write() as s:
        add(s, town="T01", category="water", channel="grid")
        add(s, town="T02", category="air")
        add(s, town=None, category="air", tier=3)
    assert figures(env, filters=Filters(category="water")).total.count("received") == 1
    assert figures(env, filters=Filters(town="T02")).total.count("received") == 1
    assert figures(env, filters=Filters(town="NOPE")).total.count("received") == 0
    assert figures(env, filters=Filters(area="T01-A01")).total.count("received") == 1
    assert figures(env, filters=Filters(tier="3")).total.count("received") == 1
    by_area = figures(env, by="area")
    assert [(r.key, r.figures.count("received")) for r in by_area.rows] == [("T01-A01", 1), ("T02-A01", 1), (None, 1)]
    assert by_area.rows[-1].label == "未定位"
    by_category = figures(env, by="category")
    assert [(r.key, r.label) for r in by_category.rows] == [("air", "大气"), ("water", "水")]
    by_tier = figures(env, by="tier")
    assert [r.key for r in by_tier.rows] == ["1", "3"]


@pytest.mark.parametrize("args, field", [
    ({"category": "air' OR 1=1 --"}, "category"), ({"channel": "x"}, "channel"), ({"tier": "1 OR 1"}, "tier")])
def test_filter_values_outside_the_vocabulary_are_refused(args, field):
    with pytest.raises(FormInvalid) as err:
        Filters.from_args(args)
    assert field in err.value.errors


def test_unknown_slice_is_refused(env):
    with pytest.raises(FormInvalid) as err:
        figures(env, by="grid_path); DROP TABLE case; --")
    assert "by" in err.value.errors


def test_trend_puts_23_30_local_on_its_own_day(env):
    with env.db.write() as s:
        add(s, received=local(1, 23, 30))  # Sunday 1 March 23:30 Shanghai = 15:30 UTC
        add(s, received=local(2, 0, 0))  # Monday 00:00
        add(s, received=local(31, 23, 59))
        add(s, received=local(1, 0, 0, month=4))  # outside
    with env.db.read() as s:
        days = trend(s, MARCH, scope=true(), tz=TZ, bucket="day")
        weeks = trend(s, MARCH, scope=true(), tz=TZ, bucket="week")
        months = trend(s, Period(date(2026, 3, 1), date(2026, 4, 30)), scope=true(), tz=TZ, bucket="month")
    counts = {p.period.start: p.figures.count("received") for p in days if p.figures.count("received")}
    assert counts == {date(2026, 3, 1): 1, date(2026, 3, 2): 1, date(2026, 3, 31): 1}
    assert len(days) == 31 and days[5].figures.rate("closure_rate").value is None
    assert [p.figures.count("received") for p in weeks][:2] == [1, 1] and weeks[0].period.end == date(2026, 3, 1)
    assert [p.figures.count("received") for p in months] == [3, 1]


def test_ranking_ties_share_a_rank(env):
    with env.db.write() as s:
        for town in ("T01", "T02"):
            add(s, town=town, **closed())
            add(s, town=town, status="handling", accepted_at=local(2))
        add(s, town=None, **closed())  # not ranked
        t03 = "/C/T03/T03-A01/T03-A01-V01/"
        case = add(s, town="T01", status="received")
        case.grid_path = t03  # nothing accepted: no completion rate, ranks last
    with env.db.read() as s:
        ranked = ranking(s, MARCH, scope=true(), tz=TZ, by="town")
    assert [(r.rank, r.row.key) for r in ranked] == [(1, "T01"), (1, "T02"), (3, "T03")]


def test_drill_down_arguments_round_trip(env):
    drill = DrillDown(MARCH, "closure_rate", "denominator", Filters(category="air"), "town", None)
    args = drill.as_args()
    assert args == {"measure": "closure_rate", "side": "denominator", "from": "2026-03-01", "to": "2026-03-31",
                    "category": "air", "by": "town", "key": "~"}
    assert DrillDown.from_args(args) == DrillDown(MARCH, "closure_rate", "denominator", Filters(category="air"),
                                                  "town", None)
    assert DrillDown.from_args({"q": "x"}) is None
    for bad, field in (({"measure": "nope", "from": "2026-03-01", "to": "2026-03-31"}, "measure"),
                       ({"measure": "closed", "from": "2026-03-01"}, "to"),
                       ({"measure": "closed", "from": "2026-03-01", "to": "2026-03-31", "by": "town"}, "key"),
                       ({"measure": "closed", "from": "2026-03-01", "to": "2026-03-31", "side": "x"}, "side")):
        with pytest.raises(FormInvalid) as err:
            DrillDown.from_args(bad)
        assert field in err.value.errors


def test_summary_follows_bulk_updates_and_rebuilds(env):
    from sqlalchemy import update

    from engine.measures.summary import rebuild

    with env.db.write() as s:
        for town in ("T01", "T02", None):
            add(s, town=town, **closed(handling_workdays=2))
        add(s, status="handling", colour="red", accepted_at=local(2))
    with env.db.write() as s:
        s.execute(update(Case).where(Case.colour == "red").values(colour="yellow", category="water"))

    def both():
        with env.db.read() as s:
            return [(measure(s, MARCH, scope=true(), tz=TZ, by=by), measure(s, MARCH, scope=Case.id.is_not(None),
                                                                             tz=TZ, by=by))
                    for by in (None, "town", "category")]

    for summed, counted in both():
        assert (summed.rows, summed.total) == (counted.rows, counted.total)
    assert both()[0][0].total.count("warning") == 1
    with env.db.write() as s:
        rebuild(s, TZ)
    for summed, counted in both():
        assert (summed.rows, summed.total) == (counted.rows, counted.total)


def test_a_paused_summary_is_counted_again_when_the_bulk_load_ends(env):
    from engine.measures.summary import paused
    from engine.models import CaseStat

    def stat_rows():
        with env.db.read() as s:
            return s.scalar(select(func.count()).select_from(CaseStat))

    with paused(env.db.write):
        with env.db.write() as s:
            add(s, town="T01", **closed(handling_workdays=2))
            add(s, town="T02", status="handling", colour="red", accepted_at=local(2))
        with env.db.write() as s:
            s.execute(update(Case).where(Case.colour == "red").values(colour="yellow"))
        assert stat_rows() == 0  # the load's steps leave the summary alone
    assert stat_rows() > 0
    with env.db.read() as s:
        for by in (None, "town", "category"):
            summed = measure(s, MARCH, scope=true(), tz=TZ, by=by)
            counted = measure(s, MARCH, scope=Case.id.is_not(None), tz=TZ, by=by)
            assert (summed.rows, summed.total) == (counted.rows, counted.total)
    assert summed.total.count("warning") == 1
    # After the block the summary is kept at each step again.
    with env.db.write() as s:
        add(s, town="T01", **closed(handling_workdays=3))
    with env.db.read() as s:
        summed = measure(s, MARCH, scope=true(), tz=TZ)
        counted = measure(s, MARCH, scope=Case.id.is_not(None), tz=TZ)
    assert summed.total == counted.total


def test_a_failed_bulk_load_still_counts_what_it_committed(env):
    from engine.measures.summary import paused

    with pytest.raises(RuntimeError):
        with paused(env.db.write):
            with env.db.write() as s:
                add(s, town="T01", **closed(handling_workdays=2))
            raise RuntimeError("the load stops half way")
    with env.db.read() as s:
        summed = measure(s, MARCH, scope=true(), tz=TZ)
        counted = measure(s, MARCH, scope=Case.id.is_not(None), tz=TZ)
    assert summed.total == counted.total and counted.total.count("received") == 1


def test_the_summary_counts_each_transaction_once_at_its_end(env):
    """Increments wait for the commit (engine/measures/summary.py): a case changed over several
    flushes counts once, a savepoint or a transaction rolled back counts nothing, and a read inside
    the transaction already sees its own changes."""
    from engine.models import CaseStat

    def both(s):
        return [(measure(s, MARCH, scope=true(), tz=TZ, by=by), measure(s, MARCH, scope=Case.id.is_not(None),
                                                                         tz=TZ, by=by))
                for by in (None, "town", "category")]

    with env.db.write() as s:
        case = add(s, town="T01", status="handling", accepted_at=local(2))
        s.flush()
        case.colour = "red"
        s.flush()
        case.category = "water"
        with pytest.raises(RuntimeError):
            with s.begin_nested():
                add(s, town="T02", **closed(handling_workdays=2))
                case.colour = "yellow"
                s.flush()
                raise RuntimeError("the savepoint rolls back")
        # Nothing written to the summary yet: its shared rows are not locked through the step.
        assert s.connection().scalar(select(func.count()).select_from(CaseStat)) == 0
        for summed, counted in both(s):  # read before the commit
            assert (summed.rows, summed.total) == (counted.rows, counted.total)
        case.status, case.colour = "closed", "green"
    with pytest.raises(RuntimeError):
        with env.db.write() as s:
            add(s, town="T02", **closed(handling_workdays=1))
            s.flush()
            raise RuntimeError("the transaction rolls back")
    with env.db.read() as s:
        results = both(s)
    for summed, counted in results:
        assert (summed.rows, summed.total) == (counted.rows, counted.total)
    assert results[0][1].total.count("received") == 1
