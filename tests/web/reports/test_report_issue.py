"""Issuing a report by hand from 统计报告: a missed period, the next revision of an issued one,
periods not yet over refused; only report readers, and only with the form's CSRF token."""
from __future__ import annotations

from sqlalchemy import select

from engine.models import AuditEvent
from engine.models.reports import Report


def _reports(env):
    with env.db.read() as s:
        return [(r.kind, r.period_start.isoformat(), r.number, r.revision) for r in
                s.scalars(select(Report).order_by(Report.id))]


def test_a_leader_issues_a_missed_day_and_reissues_a_week(env, as_user, issued):
    leader = as_user("leader")
    response = leader.post("/reports/issue", {"kind": "daily", "day": "2026-03-04"}, page_url="/reports",
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "已印发 环督日报〔2026〕第2号" in page
    response = leader.post("/reports/issue", {"kind": "weekly", "day": "2026-03-05"}, page_url="/reports",
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已重新印发 环督周报〔2026〕第1号（第 2 版）" in page and "第 2 版" in page
    assert ("daily", "2026-03-04", "环督日报〔2026〕第2号", 1) in _reports(env)
    assert ("weekly", "2026-03-02", "环督周报〔2026〕第1号", 2) in _reports(env)
    with env.db.read() as s:
        assert s.scalars(select(AuditEvent).where(AuditEvent.kind == "report_reissued")).one().actor == "leader"


def test_a_period_not_yet_over_or_nonsense_is_refused(env, as_user, issued):
    admin = as_user("admin")
    before = _reports(env)
    for form in ({"kind": "daily", "day": "2026-03-09"}, {"kind": "weekly", "day": "2026-03-10"},
                 {"kind": "monthly", "day": "2026-03-01"}, {"kind": "yearly", "day": "2026-01-01"},
                 {"kind": "daily", "day": "03/04/2026"}, {"kind": "daily"}):
        page = admin.post("/reports/issue", form, page_url="/reports", follow_redirects=True).get_data(as_text=True)
        assert "请选择报告种类和一个已经结束的统计期间" in page, form
    assert _reports(env) == before
