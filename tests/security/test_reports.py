"""The periodic reports: county-wide papers for the leaders and the supervision section only; a
guessed or tampered address reveals nothing; a name typed into the data is printed, never run."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from documents.render import render_html
from engine.models import Grid
from engine.models.reports import Report
from engine.reports.issue import issue_due
from engine.reports.storage import ensure_rendered
from tests.engine.reports.conftest import week  # noqa: F401 — a week of cases, reports due

HOSTILE_TOWN = "<script>alert(1)</script>城关镇"


@pytest.fixture
def reports_dir(app, tmp_path):
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    return tmp_path / "documents"


@pytest.fixture
def issued(env, week, reports_dir):  # noqa: F811
    issue_due(env.runtime)
    with env.db.read() as s:
        return {r.kind: r for r in s.scalars(select(Report))}


def test_a_handler_or_a_town_cannot_list_or_download_a_report(as_user, issued):
    for username in ("handler", "gridofficer", "town", "lead"):
        user = as_user(username)
        for report in issued.values():
            for url in ("/reports", f"/reports/{report.id}.pdf", f"/reports/{report.id}.xlsx"):
                assert user.get(url).status_code == 404, (username, url)


@pytest.mark.parametrize("url", ["/reports/0.pdf", "/reports/999999.pdf", "/reports/-1.pdf", "/reports/1.pdf.pdf",
                                 "/reports/..%2F..%2Fsecret_key.pdf", "/reports/1/../../secret_key",
                                 "/reports/999999.xlsx", "/reports/1.exe"])
def test_guessed_addresses_answer_404(as_user, issued, url):
    assert as_user("leader").get(url).status_code == 404


def test_a_tampered_stored_path_never_leaves_the_reports_folder(env, as_user, issued, reports_dir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for you")
    weekly = ensure_rendered(env.runtime, issued["weekly"].id, documents_dir=reports_dir)
    with env.db.write() as s:
        s.execute(update(Report).where(Report.id == weekly.id)
                  .values(stored_path="../secret.txt", ledger_path="reports/../../secret.txt"))
    leader = as_user("leader")
    for url in (f"/reports/{weekly.id}.pdf", f"/reports/{weekly.id}.xlsx"):
        response = leader.get(url)
        assert response.status_code == 404 and b"not for you" not in response.data, url


def test_a_town_name_with_markup_is_printed_as_text(env, week, tmp_path):  # noqa: F811
    with env.db.write() as s:
        s.execute(update(Grid).where(Grid.code == "T01").values(name=HOSTILE_TOWN))
    issue_due(env.runtime)
    with env.db.read() as s:
        weekly = s.scalars(select(Report).where(Report.kind == "weekly")).one()
    assert HOSTILE_TOWN in [t["name"] for t in weekly.context["towns"]]
    html = render_html(weekly.context)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;城关镇" in html
    row = ensure_rendered(env.runtime, weekly.id, documents_dir=tmp_path)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO((tmp_path / row.stored_path).read_bytes())).pages)
    assert "<script>alert(1)</script>" in text


def test_issuing_by_hand_needs_a_report_reader_and_the_csrf_token(env, as_user, issued):
    count = len(issued)
    form = {"kind": "daily", "day": "2026-03-04"}
    for username in ("handler", "town", "lead"):
        assert as_user(username).post("/reports/issue", form, page_url="/").status_code == 404, username
    leader = as_user("leader")
    assert leader.client.post("/reports/issue", data=form).status_code == 400
    assert leader.client.post("/reports/issue", data={**form, "csrf_token": "forged"}).status_code == 400
    with env.db.read() as s:
        assert len(list(s.scalars(select(Report)))) == count
