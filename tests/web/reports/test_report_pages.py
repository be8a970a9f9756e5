"""统计报告: the list, downloads for those who may read reports, and the administrator's schedule."""
from __future__ import annotations

import io
import re
from datetime import time

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from engine.models import AuditEvent
from engine.reports import schedule as report_schedule
from engine.reports.schedule import Schedule
from tests.web.conftest import csrf_of


def test_leaders_find_the_reports_in_the_menu_and_download_them(as_user, issued):
    leader = as_user("leader")
    home = leader.get("/overview").get_data(as_text=True)
    assert 'href="/reports"' in home
    page = leader.get("/reports").get_data(as_text=True)
    assert "环督周报〔2026〕第1号" in page and "环督日报〔2026〕第1号" in page and "2026-03-02 – 2026-03-08" in page
    weekly = issued["weekly"]
    response = leader.get(f"/reports/{weekly.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "private, no-store"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "环督周报〔2026〕第1号" in re.sub(r"\s+", "", text)
    sha = response.headers["X-Document-SHA256"]
    assert leader.get(f"/reports/{weekly.id}.pdf").headers["X-Document-SHA256"] == sha  # rendered once
    # Rendered now: the list shows the checksum and the Excel ledger.
    page = leader.get("/reports").get_data(as_text=True)
    assert sha[:12] in page and f"/reports/{weekly.id}.xlsx" in page
    ledger = leader.get(f"/reports/{weekly.id}.xlsx")
    assert ledger.status_code == 200 and ledger.headers["Content-Disposition"].startswith("attachment;")
    assert "台账" in load_workbook(io.BytesIO(ledger.data), read_only=True).sheetnames


def test_the_list_filters_by_kind(as_user, issued):
    page = as_user("supervisor").get("/reports?kind=daily").get_data(as_text=True)
    assert "环督日报〔2026〕第1号" in page and "环督周报" not in page


def test_only_leaders_the_supervision_section_and_administrators_read_reports(as_user, issued):
    weekly = issued["weekly"]
    for username in ("leader", "supervisor", "admin"):
        assert as_user(username).get("/reports").status_code == 200, username
    for username in ("town", "lead", "handler", "intake", "gridofficer"):
        user = as_user(username)
        assert 'href="/reports"' not in user.get("/overview").get_data(as_text=True), username
        for url in ("/reports", f"/reports/{weekly.id}.pdf", f"/reports/{weekly.id}.xlsx"):
            assert user.get(url).status_code == 404, (username, url)
    assert as_user().get("/reports").status_code in (302, 401)


def test_an_xlsx_not_yet_written_answers_404(as_user, issued):
    assert as_user("leader").get(f"/reports/{issued['daily'].id}.xlsx").status_code == 404  # not rendered yet


def test_the_administrator_sets_the_schedule(env, as_user):
    admin = as_user("admin")
    page = admin.get("/admin/reports").get_data(as_text=True)
    assert 'value="08:00"' in page and "星期一" in page
    assert "/admin/reports" in admin.get("/admin").get_data(as_text=True)
    form = {"daily_enabled": "1", "daily_at": "07:30", "weekly_at": "09:00", "weekly_weekday": "2",
            "monthly_enabled": "1", "monthly_at": "08:00", "monthly_day": "5", "recipients": ["leaders"]}
    response = admin.post("/admin/reports", form)
    assert response.status_code == 302
    with env.db.read() as s:
        saved = report_schedule.load(s)
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.kind == "setting_changed"))
    assert saved.daily.at.strftime("%H:%M") == "07:30"
    assert saved.weekly == Schedule(enabled=False, at=time(9, 0), weekday=2)  # not ticked: off
    assert saved.monthly.day == 5 and saved.recipients == ("leaders",)
    assert event.actor == "admin" and event.detail["setting"] == "reports"
    assert "已保存" in admin.get("/admin/reports").get_data(as_text=True)


def test_the_schedule_form_says_what_is_wrong_and_keeps_the_input(env, as_user):
    admin = as_user("admin")
    form = {"daily_enabled": "1", "daily_at": "25:00", "weekly_at": "09:00", "weekly_weekday": "2",
            "monthly_at": "08:00", "monthly_day": "31", "recipients": ["leaders"]}
    response = admin.post("/admin/reports", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "时间须为 HH:MM" in page and 'value="25:00"' in page and 'aria-invalid="true"' in page
    with env.db.read() as s:
        assert report_schedule.updated(s) is None  # nothing saved


def test_the_schedule_needs_the_csrf_token_and_an_administrator(env, as_user):
    admin = as_user("admin")
    form = {"daily_enabled": "1", "daily_at": "07:30", "weekly_at": "09:00", "weekly_weekday": "2",
            "monthly_at": "08:00", "monthly_day": "5", "recipients": "leaders"}
    assert admin.client.post("/admin/reports", data=form).status_code == 400
    assert admin.client.post("/admin/reports", data={**form, "csrf_token": "forged"}).status_code == 400
    leader = as_user("leader")
    token = csrf_of(leader.get("/reports").get_data(as_text=True)) if "csrf_token" in \
        leader.get("/reports").get_data(as_text=True) else leader.any_token()
    assert leader.client.post("/admin/reports", data={**form, "csrf_token": token}).status_code == 403
    assert leader.get("/admin/reports").status_code == 403
    with env.db.read() as s:
        assert report_schedule.updated(s) is None
