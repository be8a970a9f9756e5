"""The working calendar page: a year of month grids, toggling days, notes, years entered in full."""
from datetime import date

from sqlalchemy import select

from engine.models import AuditEvent
from engine.models.audit import CalendarDay, CalendarYear
from engine.models.calendar_jobs import CalendarJob
from webapp.admin import calendar_runner


def finish_jobs(app, env):
    """Wait for the threads the page started for its calendar jobs."""
    with env.db.read() as s:
        for job_id in s.scalars(select(CalendarJob.id)):
            calendar_runner.wait(app, job_id, timeout=60)


def day_row(env, day):
    with env.db.read() as s:
        return s.get(CalendarDay, day)


def test_only_administrators_see_or_change_the_calendar(env, app, as_user):
    for who in ("intake", "lead", "supervisor"):
        browser = as_user(who)
        assert browser.get("/admin/calendar").status_code == 403
        response = browser.post("/admin/calendar/toggle", {"day": "2026-04-15", "year": "2026"}, page_url="/inbox")
        assert response.status_code == 403
    assert day_row(env, date(2026, 4, 15)) is None


def test_year_grid_shows_holidays_make_up_days_and_the_uncovered_year_warning(app, as_user):
    admin = as_user("admin")
    page = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert 'id="d-2026-10-01"' in page and 'data-kind="holiday"' in page
    assert 'id="d-2026-10-10"' in page  # a make-up Saturday
    october10 = page.split('id="d-2026-10-10"')[1].split(">")[0]
    assert 'data-kind="makeup"' in october10
    assert "使用系统内置的国务院放假安排" in page
    page27 = admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "本年节假日尚未录入，期限暂按周末计算" in page27
    # Out-of-range or garbage years fall back to the current one.
    assert 'id="d-2026-03-02"' in admin.get("/admin/calendar?year=abc").get_data(as_text=True)
    assert 'id="d-2026-03-02"' in admin.get("/admin/calendar?year=1900").get_data(as_text=True)


def test_toggling_a_working_day_makes_it_a_holiday_and_recomputes_running_cases(env, app, as_user):
    case = env.register()
    env.accept_and_assign(case)
    due = env.case(case).stage_due
    admin = as_user("admin")
    response = admin.post("/admin/calendar/toggle", {"day": "2026-04-15", "year": "2026"},
                          page_url="/admin/calendar?year=2026")
    assert response.status_code == 302 and response.headers["Location"].endswith("year=2026#d-2026-04-15")
    row = day_row(env, date(2026, 4, 15))
    assert (row.is_workday, row.updated_by) == (False, "admin")
    finish_jobs(app, env)
    assert env.case(case).stage_due > due
    page = admin.get("/admin/calendar?year=2026").get_data(as_text=True)
    assert "已将 2026-04-15 设为休息日；办理中案件的期限正在分批重新计算" in page
    assert "已完成，1 个办理中案件的期限已重新计算（1 批）" in page and 'data-state="done"' in page
    assert 'http-equiv="refresh"' not in page
    cell = page.split('id="d-2026-04-15"')[1].split(">")[0]
    assert 'data-kind="holiday"' in cell and "overridden" in page.split('id="d-2026-04-15"')[1][:200]

    # Toggling back restores the default: no override row, deadline back where it was.
    admin.post("/admin/calendar/toggle", {"day": "2026-04-15", "year": "2026"}, page_url="/admin/calendar?year=2026")
    finish_jobs(app, env)
    assert day_row(env, date(2026, 4, 15)) is None
    assert env.case(case).stage_due == due


def test_set_a_day_with_a_note_and_back_to_default(env, app, as_user):
    admin = as_user("admin")
    admin.post("/admin/calendar/day", {"day": "2027-02-06", "kind": "work", "note": "调休上班", "year": "2027"},
               page_url="/admin/calendar?year=2027")
    finish_jobs(app, env)
    row = day_row(env, date(2027, 2, 6))
    assert (row.is_workday, row.note) == (True, "调休上班")
    page = admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "调休上班" in page and "2027-02-06" in page
    admin.post("/admin/calendar/day", {"day": "2027-02-06", "kind": "default", "year": "2027"},
               page_url="/admin/calendar?year=2027")
    assert day_row(env, date(2027, 2, 6)) is None
    with env.db.read() as s:
        kinds = [e.detail["is_workday"] for e in s.scalars(select(AuditEvent).where(
                AuditEvent.kind == "calendar_day_set").order_by(AuditEvent.id))]
    assert kinds == [True, False]


def test_bad_input_is_refused_with_a_message(env, app, as_user):
    admin = as_user("admin")
    response = admin.post("/admin/calendar/day", {"day": "2027-13-01", "kind": "rest", "year": "2027"},
                          page_url="/admin/calendar?year=2027")
    assert response.status_code == 302
    assert "请选择日期和设置方式" in admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    admin.post("/admin/calendar/day", {"day": "2027-01-04", "kind": "sideways", "year": "2027"},
               page_url="/admin/calendar?year=2027")
    admin.post("/admin/calendar/toggle", {"day": "1999-01-04", "year": "2027"}, page_url="/admin/calendar?year=2027")
    assert "年份须在" in admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    with env.db.read() as s:
        assert list(s.scalars(select(CalendarDay))) == []


def test_marking_a_year_entered_in_full_clears_its_warning(env, app, as_user):
    env.clock.set(env.clock.now().replace(year=2026, month=11, day=20))
    admin = as_user("admin")
    assert "2027 年的法定节假日尚未录入" in admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    admin.post("/admin/calendar/year", {"year": "2027", "entered": "1"}, page_url="/admin/calendar?year=2027")
    with env.db.read() as s:
        assert s.get(CalendarYear, 2027) is not None
    page = admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "2027 年的法定节假日尚未录入" not in page and "已由管理员完整录入" in page
    admin.post("/admin/calendar/year", {"year": "2027", "entered": "0"}, page_url="/admin/calendar?year=2027")
    with env.db.read() as s:
        assert s.get(CalendarYear, 2027) is None
