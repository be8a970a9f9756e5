"""The field-work figures, hand-counted: patrols due / done / on time / problems found and solved
per officer, work area and town; the share of non-site enforcement; relapses against the
department; recurrences. Zero denominators read "—"."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, true

from engine.measures import Filters, Period, measure, patrol_figures
from engine.models import Patrol, PatrolPoint, User
from engine.org.scopes import StaffMember, patrol_scope
from tests.engine.measures.test_figures_from_rows import MARCH, TZ, add, closed, figures, local
from tests.engine.patrol.conftest import add_point, set_clock

NOW = local(31, 20)


def _patrol(s, point: PatrolPoint, slot: int, day: int, *, status="done", on_time=True, case_id=None,
            path=None, officer_id: int | None, month=3) -> None:
    due = local(day, 23, 59, month=month)
    s.add(Patrol(point_id=point.id, slot=slot, officer_id=officer_id,
                 grid_path=path or point.grid_path, opens_at=due - timedelta(hours=14), due_at=due, status=status,
                 on_time=on_time if status == "done" else None, case_id=case_id,
                 checked_in_at=due - timedelta(hours=2) if status == "done" else None))


def _officer(env, username):
    with env.db.read() as s:
        return s.scalar(select(User.id).where(User.username == username))


def _patrols(env, by, scope=None, period=MARCH, now=NOW):
    with env.db.read() as s:
        return patrol_figures(s, period, scope=true() if scope is None else scope, tz=TZ, now=now, by=by)


def test_patrol_figures_by_officer_area_and_town(env):
    set_clock(env, "2026-03-01T08:00:00+08:00")
    officer = _officer(env, "gridofficer")
    point = add_point(env)
    other = add_point(env, name="东岭建筑工地", kind="construction", grid_code="T02-A01-V01")
    with env.db.write() as s:
        solved = add(s, **closed(channel="grid"))
        still_open = add(s, status="handling", colour="blue", accepted_at=local(3), channel="grid")
        # 城关镇 (T01-A01): 5 due in March — 4 done (3 on time), 1 missed; 2 problems, 1 solved.
        _patrol(s, point, 0, 2, case_id=solved.id, officer_id=officer)
        _patrol(s, point, 1, 4, case_id=still_open.id, officer_id=officer)
        _patrol(s, point, 2, 6, officer_id=officer)
        _patrol(s, point, 3, 9, on_time=False, officer_id=officer)
        _patrol(s, point, 4, 11, status="missed", officer_id=officer)
        # Not in March: due in February, and due in April.
        _patrol(s, point, 5, 27, month=2, officer_id=officer)
        _patrol(s, point, 6, 2, month=4, officer_id=officer)
        # 东岭 (T02-A01), no officer posted: one open, its day not over yet (not due), one missed.
        _patrol(s, other, 0, 31, status="open", officer_id=None)
        _patrol(s, other, 1, 30, status="missed", officer_id=None)

    towns = _patrols(env, "town")
    assert [(r.key, r.due, r.done, r.on_time, r.problems, r.solved) for r in towns.rows] == [
        ("T01", 5, 4, 3, 2, 1), ("T02", 1, 0, 0, 0, 0)]
    t = towns.total
    assert (t.due, t.done, t.on_time, t.problems, t.solved) == (6, 4, 3, 2, 1)
    assert (t.rate("done_rate").text(), t.rate("on_time_rate").text(), t.rate("solved_rate").text()) == \
        ("66.7%", "50.0%", "50.0%")
    t02 = towns.rows[1]
    assert t02.rate("solved_rate").value is None and t02.rate("solved_rate").text() == "—"
    areas = _patrols(env, "area")
    assert [(r.key, r.due) for r in areas.rows] == [("T01-A01", 5), ("T02-A01", 1)]
    officers = _patrols(env, "officer")
    assert {r.key: (r.due, r.done) for r in officers.rows} == {str(officer): (5, 4), "": (1, 0)}
    # Once the open patrol's day has ended it counts as due (and undone).
    assert _patrols(env, "town", now=local(31, 23, 59) + timedelta(minutes=1)).total.due == 7
    data = towns.as_dict()
    assert data["total"]["on_time_rate"] == {"numerator": 3, "denominator": 6, "value": 0.5}
    assert data["rows"][0]["label"] == "城关镇"

    # A town supervisor sees their town's patrols only.
    town = StaffMember(2, frozenset({"supervisor"}), None, "/C/T02/", "town", 2)
    assert _patrols(env, "town", scope=patrol_scope(town, Patrol)).total.due == 1


def test_no_patrols_leave_every_rate_without_value(env):
    total = _patrols(env, "town").total
    assert (total.due, total.done) == (0, 0)
    assert all(total.rate(code).text() == "—" for code in ("done_rate", "on_time_rate", "solved_rate"))


def test_share_of_non_site_enforcement_relapses_and_recurrences(env):
    with env.db.write() as s:
        first = add(s, **closed(check_method="on_site"), department="air")
        add(s, **closed(check_method="video"), department="air")
        add(s, **closed(check_method="drone", relapse_count=2), department="air")
        add(s, **closed(check_method="remote_documents", relapse_count=1), department="enforcement")
        add(s, status="handling", colour="blue", accepted_at=local(3), check_method="on_site", department="air",
            recurrence_of_id=first.id)
        add(s, status="received", recurrence_of_id=first.id)  # not handled yet: not in the share
    total = figures(env).total
    share = total.rate("non_site_rate")
    assert (share.numerator, share.denominator, share.text()) == (3, 5, "60.0%")
    assert (total.count("relapsed"), total.count("recurrent")) == (2, 2)
    data = total.as_dict()["measures"]
    assert data["non_site_rate"] == {"numerator": 3, "denominator": 5, "value": 0.6}
    assert data["relapsed"] == {"numerator": 2, "denominator": None, "value": 2}
    # Relapses count against the department.
    by_department = {r.key: r.figures for r in figures(env, by="department").rows}
    assert (by_department["air"].count("relapsed"), by_department["enforcement"].count("relapsed")) == (1, 1)
    assert by_department["enforcement"].rate("non_site_rate").text() == "100.0%"
    assert figures(env, filters=Filters(department="air")).total.rate("non_site_rate").text() == "50.0%"


def test_without_handled_cases_the_share_reads_a_dash(env):
    with env.db.write() as s:
        add(s)
    total = figures(env).total
    assert total.rate("non_site_rate").value is None and total.rate("non_site_rate").text() == "—"
    assert (total.count("relapsed"), total.count("recurrent")) == (0, 0)


def test_the_monthly_summary_counts_the_new_facts_as_the_cases_do(env):
    """County-wide whole months are read from the summary (engine/measures/summary.py)."""
    with env.db.write() as s:
        add(s, **closed(check_method="video"))
        c = add(s, **closed(check_method="on_site"))
    with env.db.write() as s:
        s.get(type(c), c.id).relapse_count = 1
    april = Period(date(2026, 2, 1), date(2026, 4, 30))
    with env.db.read() as s:
        summarised = measure(s, april, scope=true(), tz=TZ).total
        counted = measure(s, april, scope=true(), tz=TZ, filters=Filters(channel="hotline")).total
    assert summarised.counts == counted.counts
    assert (summarised.rate("non_site_rate").text(), summarised.count("relapsed")) == ("50.0%", 1)
