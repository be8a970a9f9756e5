"""Issuing a report by hand: a period the schedule missed gets its first report and the next
number; an issued period gets the next revision with the same number and figures taken again,
the earlier revision untouched; the schedule still issues each period once."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.measures import Period
from engine.models import AuditEvent
from engine.models.reports import Report
from engine.reports.issue import issue_due, issue_report, reissue_report
from engine.reports.storage import ensure_rendered
from tests.engine.reports.test_issue import pdf_text

WEEK = Period(date(2026, 3, 2), date(2026, 3, 8), "week")
TUESDAY = Period(date(2026, 3, 3), date(2026, 3, 3), "day")


def rows(env, kind):
    with env.db.read() as s:
        return list(s.scalars(select(Report).where(Report.kind == kind).order_by(Report.id)))


def test_a_missed_day_gets_its_report_and_the_next_number(env, week):
    issue_due(env.runtime)  # Sunday's daily report: 第1号
    with env.db.write() as s:
        missed = reissue_report(s, env.runtime, TUESDAY, actor="supervisor")
        assert (missed.number, missed.revision) == ("环督日报〔2026〕第2号", 1)
    with env.db.read() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.kind == "report_issued",
                                                   AuditEvent.actor == "supervisor")).one()
    assert event.detail["period"] == ["2026-03-03", "2026-03-03"] and event.detail["revision"] == 1
    # The schedule, reaching Tuesday's daily report's moment later, leaves it as issued by hand.
    with env.db.write() as s:
        assert issue_report(s, env.runtime, TUESDAY, actor="system") is None


def test_reissuing_adds_a_revision_with_the_same_number_and_keeps_the_first(env, week, tmp_path):
    issue_due(env.runtime)
    [first] = rows(env, "weekly")
    first = ensure_rendered(env.runtime, first.id, documents_dir=tmp_path)
    first_sha, first_file = first.sha256, tmp_path / first.stored_path
    with env.db.write() as s:
        again = reissue_report(s, env.runtime, WEEK, actor="leader")
        assert (again.number, again.revision) == (first.number, 2)
    with env.db.write() as s:
        third = reissue_report(s, env.runtime, WEEK, actor="admin")
        assert third.revision == 3
    found = rows(env, "weekly")
    assert [r.revision for r in found] == [1, 2, 3] and {r.number for r in found} == {first.number}
    assert found[0].sha256 == first_sha and first_file.is_file()  # the issued revision is never changed
    # Each revision is a snapshot of its own, signed by who issued it.
    assert [r.issued_by for r in found] == ["system", "leader", "admin"]
    assert found[1].context["issued_by"] != found[0].context["issued_by"]
    second = ensure_rendered(env.runtime, found[1].id, documents_dir=tmp_path)
    assert second.stored_path != first.stored_path
    assert "第2版" in pdf_text((tmp_path / second.stored_path).read_bytes()).replace(" ", "")
    with env.db.read() as s:
        kinds = [e.kind for e in s.scalars(select(AuditEvent).where(AuditEvent.kind.like("report_%"))
                                           .order_by(AuditEvent.id))]
    assert kinds.count("report_reissued") == 2
    # The schedule does not issue the week again.
    assert issue_due(env.runtime) == []
