"""四色台账 pages: who may open them, what each sees, paging, the export with its progress and the
download, and the one-write-transaction rule for the request (the export's own short
transactions run in its thread)."""
from __future__ import annotations

import io
import re
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from engine.ledger.xlsx import LEDGER_SHEET, SUMMARY_SHEET
from webapp.ledger import runner
from webapp.ledger.pages import READERS  # noqa: F401


def _export(ledger_app, browser, fmt="xlsx", **fields):
    data = {"format": fmt, "start": "2026-03-01", "end": "2026-03-31", **fields}
    response = browser.post("/ledger/exports", data, page_url="/ledger")
    assert response.status_code == 303, response.status_code
    export_id = int(re.search(r"/ledger/exports/(\d+)$", response.headers["Location"]).group(1))
    runner.wait(ledger_app, export_id, timeout=60)
    return export_id


@pytest.mark.parametrize("username, status", [
    ("admin", 200), ("leader", 200), ("supervisor", 200), ("town", 200), ("lead", 200),
    ("intake", 403), ("handler", 403), ("gridofficer", 403),
])
def test_who_may_open_the_ledger(ledger_app, as_user, username, status):
    assert as_user(username).get("/ledger").status_code == status


def test_signed_out_goes_to_sign_in(ledger_app, as_user):
    response = as_user().get("/ledger")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_nav_entry_for_readers_only(ledger_app, as_user):
    assert 'href="/ledger"' in as_user("lead").get("/overview").get_data(as_text=True)
    assert 'href="/ledger"' not in as_user("handler").get("/overview").get_data(as_text=True)


def test_the_page_shows_the_month_with_colour_words(ledger_app, as_user):
    html = as_user("supervisor").get("/ledger").get_data(as_text=True)
    assert "化工厂夜间排放异味" in html and "固废堆放" in html
    assert "四月的案件" not in html and "二月的案件" not in html
    assert "共 6 件" in html
    assert '<span class="badge red">红色 超期</span>' in html  # a word with the colour, not colour alone
    assert 'value="2026-03-01"' in html and 'value="2026-03-31"' in html


def test_each_reader_sees_their_scope(ledger_app, as_user):
    town = as_user("town").get("/ledger").get_data(as_text=True)
    assert "共 3 件" in town and "河道排污口黑水" not in town  # 东城街道's case
    lead = as_user("lead2").get("/ledger").get_data(as_text=True)
    assert "共 3 件" in lead and "化工厂夜间排放异味" not in lead  # the air section's case


def test_filters_and_paging(ledger_app, as_user):
    browser = as_user("supervisor")
    html = browser.get("/ledger?colour=red&town=T01").get_data(as_text=True)
    assert "共 2 件" in html and "工地夜间施工噪声" not in html
    html = browser.get("/ledger?start=2026-04-01&end=2026-04-30").get_data(as_text=True)
    assert "四月的案件" in html and "共 1 件" in html


def test_bad_input_is_a_clear_400(ledger_app, as_user):
    response = as_user("supervisor").get("/ledger?start=2026-02-30&colour=purple")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "日期格式应为 YYYY-MM-DD" in html and "无此选项" in html


def test_english(ledger_app, as_user):
    browser = as_user("supervisor")
    browser.post("/lang/en", {"next": "/ledger"}, page_url="/ledger")
    html = browser.get("/ledger").get_data(as_text=True)
    assert "Four-colour ledger" in html and "Export Excel" in html


def test_export_xlsx_progress_and_download(ledger_app, as_user):
    browser = as_user("supervisor")
    export_id = _export(ledger_app, browser, colour="red")
    page = browser.get(f"/ledger/exports/{export_id}").get_data(as_text=True)
    assert "<progress" in page and 'data-status-url="/ledger/exports/' in page
    status = browser.get(f"/ledger/exports/{export_id}/status").get_json()
    assert status["state"] == "done" and status["percent"] == 100
    assert status["written"] == status["total"] == 2
    response = browser.get(status["download"])
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(re.search(r"filename\*=UTF-8''(\S+)", disposition).group(1)) == "四色台账_20260301-20260331.xlsx"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames[:2] == [LEDGER_SHEET, SUMMARY_SHEET]
    assert book[LEDGER_SHEET].max_row == 3  # header + the two red cases


def test_export_pdf(ledger_app, as_user):
    browser = as_user("lead")
    export_id = _export(ledger_app, browser, fmt="pdf")
    status = browser.get(f"/ledger/exports/{export_id}/status").get_json()
    assert status["state"] == "done"
    response = browser.get(status["download"])
    assert response.mimetype == "application/pdf" and response.get_data().startswith(b"%PDF")


def test_only_whoever_asked_may_see_or_download_an_export(ledger_app, as_user):
    export_id = _export(ledger_app, as_user("supervisor"))
    other = as_user("leader")
    for url in (f"/ledger/exports/{export_id}", f"/ledger/exports/{export_id}/status",
                f"/ledger/exports/{export_id}/file"):
        assert other.get(url).status_code == 404, url
    assert as_user("handler").get(f"/ledger/exports/{export_id}/file").status_code == 403


def test_export_needs_csrf_and_a_known_format(ledger_app, as_user):
    browser = as_user("supervisor")
    assert browser.client.post("/ledger/exports", data={"format": "xlsx"}).status_code == 400
    assert browser.post("/ledger/exports", {"format": "csv"}, page_url="/ledger").status_code == 400
    assert browser.post("/ledger/exports", {"format": "xlsx", "colour": "purple"},
                        page_url="/ledger").status_code == 400


def test_the_request_writes_once_and_the_export_in_short_transactions(ledger_app, as_user, env, monkeypatch):
    """The POST opens one write transaction (the job row); the thread reports progress in
    transactions of its own, one per batch, and never inside the request."""
    import threading

    from flask import has_request_context

    writes = {"request": 0, "thread": 0}
    original = env.db.write  # already counted by the app fixture

    def counted():
        if has_request_context():
            if threading.current_thread() is threading.main_thread():
                writes["request"] += 1
        else:
            writes["thread"] += 1
        return original()

    browser = as_user("supervisor")
    browser.get("/ledger")
    monkeypatch.setattr(env.db, "write", counted)
    monkeypatch.setattr("engine.ledger.rows.BATCH", 2)  # 6 rows: three batches, three reports
    _export(ledger_app, browser)
    assert writes["request"] == 1 + 0  # the POST's one transaction (the CSRF page GET writes nothing)
    # running; 0 of 6; after the batches that follow one written (2, 4, 6); the last count; done
    assert writes["thread"] == 7
