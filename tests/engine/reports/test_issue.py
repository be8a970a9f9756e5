"""Issuing the periodic reports: what is due, exactly once, the snapshot (figures from
engine/measures beside the previous period, red cases, towns, escalations), the number, the
notifications and the rendered PDF."""
from __future__ import annotations

import io
import threading
import time
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select, text, true

from engine.jobs.worker import JobWorker
from engine.measures import MEASURE_LIST, Period, measure, ranking
from engine.models import AuditEvent, CalendarDay, Notification, User
from engine.models.reports import Report
from engine.reports import schedule as report_schedule
from engine.reports.issue import due_reports, issue_due, issue_report
from engine.reports.schedule import ReportSettings, Schedule
from engine.reports.storage import ensure_rendered, render_backlog

WEEK = Period(date(2026, 3, 2), date(2026, 3, 8), "week")


def reports(env) -> dict[str, Report]:
    with env.db.read() as s:
        return {r.kind: r for r in s.scalars(select(Report).order_by(Report.id))}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_nothing_is_issued_about_days_before_greenloop_went_into_service(env):
    # Monday 2 March 2026 10:00, the moment of deployment: yesterday, last week and last month
    # are all due by the clock, and all before greenloop existed.
    with env.db.read() as s:
        assert due_reports(s, env.clock.now(), env.runtime.timezone) == []
    assert issue_due(env.runtime) == []


def test_the_due_reports_are_issued_once_with_their_numbers(env, week):
    issued = issue_due(env.runtime)
    found = reports(env)
    assert sorted(found) == ["daily", "weekly"]  # last month (February) was before service began
    assert sorted(issued) == sorted(r.id for r in found.values())
    assert found["weekly"].number == "环督周报〔2026〕第1号"
    assert found["daily"].number == "环督日报〔2026〕第1号"
    assert (found["weekly"].period_start, found["weekly"].period_end) == (date(2026, 3, 2), date(2026, 3, 8))
    assert (found["daily"].period_start, found["daily"].period_end) == (date(2026, 3, 8), date(2026, 3, 8))
    assert {r.status for r in found.values()} == {"pending"}
    # Due again on the next tick, and on the next: nothing more.
    assert issue_due(env.runtime) == []
    env.clock.set(week["now"].replace(hour=10))
    assert issue_due(env.runtime) == []
    # Tuesday 08:00: the next daily report, the next number.
    env.clock.set(week["now"].replace(day=10, hour=0))
    [tuesday] = issue_due(env.runtime)
    assert reports(env)["daily"].number == "环督日报〔2026〕第2号" and reports(env)["daily"].id == tuesday
    with env.db.read() as s:
        events = list(s.scalars(select(AuditEvent).where(AuditEvent.kind == "report_issued")))
    assert sorted(e.detail["number"] for e in events) == ["环督周报〔2026〕第1号", "环督日报〔2026〕第1号",
                                                          "环督日报〔2026〕第2号"]


def test_the_figures_are_engine_measures_beside_the_previous_period(env, week):
    issue_due(env.runtime)
    context = reports(env)["weekly"].context
    assert context["period"]["label"] == "2026年3月2日至3月8日"
    assert context["previous"]["label"] == "2026年2月23日至3月1日"
    with env.db.read() as s:
        current = measure(s, WEEK, scope=true(), tz=env.runtime.timezone).total
        before = measure(s, WEEK.previous(), scope=true(), tz=env.runtime.timezone).total
        ranked = ranking(s, WEEK, scope=true(), tz=env.runtime.timezone, by="town")
    assert [m["code"] for m in context["measures"]] == [m.code for m in MEASURE_LIST]
    for row, m in zip(context["measures"], MEASURE_LIST, strict=True):
        assert (row["current"], row["previous"]) == (str(current.value(m)), str(before.value(m))), m.code
    by_code = {row["code"]: row for row in context["measures"]}
    assert by_code["received"] == {"code": "received", "label": by_code["received"]["label"], "current": "3",
                                   "previous": "0", "change": "+3"}
    assert [(t["rank"], t["name"]) for t in context["towns"]] == [(r.rank, r.row.label) for r in ranked]
    assert {t["name"] for t in context["towns"]} >= {"城关镇", "东城街道"}


def test_red_cases_and_the_cases_escalated_to_the_leader(env, week):
    issue_due(env.runtime)
    weekly, daily = reports(env)["weekly"].context, reports(env)["daily"].context
    with env.db.read() as s:
        leader = s.scalars(select(User).where(User.username == "leader")).one()
    red = {c["number"]: c for c in weekly["red_cases"]}
    assert set(red) == {week["red_high"].number, week["red_low"].number} and weekly["red_total"] == 2
    high = red[week["red_high"].number]
    assert (high["tier"], high["owner"], high["department"]) == ("局领导", leader.display_name, "生态环境保护综合行政执法大队")
    assert high["overdue"].endswith(("天", "小时")) and high["due"]
    assert "13912345678" not in high["title"] and high["title"].startswith("河道死鱼")  # masked like papers
    # Escalated to the leader during 2–8 March; not on Sunday 8 March.
    assert [c["number"] for c in weekly["escalated"]] == [week["red_high"].number]
    assert daily["escalated"] == []
    assert daily["red_total"] == 2  # red cases are those red as the report is issued


def test_leaders_and_the_supervision_section_are_told(env, week):
    issue_due(env.runtime)
    with env.db.read() as s:
        told = s.execute(select(User.username, Notification.title).join(User, User.id == Notification.user_id)
                         .where(Notification.kind == "report")).all()
    assert sorted({u for u, _ in told}) == ["leader", "supervisor"]
    assert any("周报" in title and "2026年3月2日至3月8日" in title for _, title in told)
    # The administrator narrows the recipients to the leaders.
    with env.db.write() as s:
        report_schedule.save(s, ReportSettings(recipients=("leaders",)), actor="admin", now=env.clock.now())
    env.clock.set(week["now"].replace(day=10, hour=0))
    issue_due(env.runtime)
    with env.db.read() as s:
        newest = s.execute(select(User.username).join(Notification, Notification.user_id == User.id)
                           .where(Notification.kind == "report", Notification.title.contains("3月9日"))).scalars().all()
    assert newest == ["leader"]


def test_the_schedule_decides_and_holidays_do_not(env, week):
    # The administrator turns the daily report off and marks Sunday 8 March a make-up workday and
    # Monday 9 March a holiday: only the weekly report is due, on the calendar day as scheduled.
    with env.db.write() as s:
        report_schedule.save(s, ReportSettings(daily=Schedule(enabled=False)), actor="admin", now=env.clock.now())
        s.add_all([CalendarDay(day=date(2026, 3, 8), is_workday=True), CalendarDay(day=date(2026, 3, 9), is_workday=False)])
    issue_due(env.runtime)
    assert sorted(reports(env)) == ["weekly"]
    with env.db.read() as s:
        [changed] = s.scalars(select(AuditEvent).where(AuditEvent.kind == "setting_changed"))
    assert changed.detail["setting"] == "reports" and changed.detail["changed"]["daily"][1]["enabled"] is False


def test_the_pdf_is_rendered_once_and_never_changes(env, week, tmp_path):
    issue_due(env.runtime)
    weekly = reports(env)["weekly"]
    row = ensure_rendered(env.runtime, weekly.id, documents_dir=tmp_path)
    path = tmp_path / row.stored_path
    data = path.read_bytes()
    text_ = pdf_text(data)
    for expected in ("环督周报〔2026〕第1号", "信访投诉办理情况周报", "2026年3月2日至3月8日", "2026年2月23日至3月1日",
                     week["red_high"].number, week["red_low"].number, "城关镇", "红色超期案件", "局领导"):
        assert expected in text_, expected
    assert row.pages >= 1 and row.status == "rendered"
    import hashlib

    assert row.sha256 == hashlib.sha256(data).hexdigest()
    again = ensure_rendered(env.runtime, weekly.id, documents_dir=tmp_path)
    assert (again.stored_path, again.sha256) == (row.stored_path, row.sha256)
    assert sorted((tmp_path / "reports").iterdir()) == sorted([path, tmp_path / row.ledger_path])


def test_the_excel_ledger_of_the_period_is_filed_with_the_report(env, week, tmp_path):
    import hashlib

    from openpyxl import load_workbook

    issue_due(env.runtime)
    row = ensure_rendered(env.runtime, reports(env)["weekly"].id, documents_dir=tmp_path)
    data = (tmp_path / row.ledger_path).read_bytes()
    assert (row.ledger_size, row.ledger_sha256) == (len(data), hashlib.sha256(data).hexdigest())
    book = load_workbook(io.BytesIO(data), read_only=True)
    assert "台账" in book.sheetnames
    cells = [str(c) for r in book["台账"].iter_rows(values_only=True) for c in r if c is not None]
    for case in (week["red_high"], week["red_low"], week["calm"]):  # every case received that week
        assert case.number in cells
    assert not any("13912345678" in c for c in cells)


def test_the_job_loop_issues_and_renders_the_due_reports(env, week, tmp_path, monkeypatch):
    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path / "data"))
    JobWorker(env.runtime).run_once()
    found = reports(env)
    assert sorted(found) == ["daily", "weekly"]
    assert {r.status for r in found.values()} == {"rendered"}
    assert all((tmp_path / "data" / "documents" / r.stored_path).is_file() for r in found.values())
    assert render_backlog(env.runtime) == 0


def test_a_report_that_cannot_be_rendered_is_marked_and_does_not_stop_the_others(env, week, tmp_path):
    issue_due(env.runtime)
    found = reports(env)
    with env.db.write() as s:
        broken = s.get(Report, found["daily"].id)
        broken.context = {**broken.context, "kind": "hourly"}
    assert render_backlog(env.runtime, documents_dir=tmp_path) == 1
    after = reports(env)
    assert (after["daily"].status, after["weekly"].status) == ("failed", "rendered")
    assert "hourly" in after["daily"].error


def _blocked_on_a_lock(env) -> bool:
    with env.db.engine.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                     "AND datname = current_database()")))


def test_two_workers_racing_for_one_period_issue_it_once(env, week):
    """The second claim waits for the first's transaction, then finds the period taken: one
    report, one number, the series without a gap."""
    outcome = {}

    def second():
        with env.db.write() as s:
            outcome["second"] = issue_report(s, env.runtime, WEEK, actor="system")

    with env.db.write() as first:
        assert issue_report(first, env.runtime, WEEK, actor="system") is not None
        if env.db.is_postgres:
            racer = threading.Thread(target=second)
            racer.start()
            deadline = time.monotonic() + 30
            while not _blocked_on_a_lock(env):  # the second worker is waiting on the first
                assert time.monotonic() < deadline and racer.is_alive(), "the second claim never waited"
    if env.db.is_postgres:
        racer.join(60)
        assert not racer.is_alive()
    else:  # SQLite runs one writer at a time: the second simply comes after the first
        second()
    assert outcome["second"] is None
    with env.db.read() as s:
        rows = list(s.scalars(select(Report)))
        last = s.scalar(text("SELECT last FROM document_counter WHERE prefix = '环督周报'"))
    assert [(r.kind, r.number) for r in rows] == [("weekly", "环督周报〔2026〕第1号")]
    assert last == 1
