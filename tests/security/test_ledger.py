"""The four-colour ledger as an attack surface: scope of the rows and of the exported files,
formula injection into the Excel file, markup and URLs in the PDF, the complainant's identity."""
from __future__ import annotations

import io
import re
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select, update

from engine.ledger.filters import LedgerFilters
from engine.ledger.pdf import ledger_pdf_context, write_ledger_pdf
from engine.ledger.rows import LedgerScope
from engine.ledger.xlsx import LEDGER_SHEET, write_ledger_xlsx
from engine.models import Case, Department
from tests.engine.ledger.conftest import MARCH, ledger_cases  # noqa: F401
from webapp.ledger import runner

TZ = "Asia/Shanghai"
NOW = datetime(2026, 4, 2, 2, tzinfo=timezone.utc)
FORMULA = '=HYPERLINK("http://evil.example","点击")'


@pytest.fixture
def ledger_app(app, env, ledger_cases, tmp_path):  # noqa: F811
    app.config["LEDGER_DIR"] = str(tmp_path / "ledger")
    env.clock.set(datetime(2026, 3, 16, 2, tzinfo=timezone.utc))
    return app


def _export(app, browser, **fields):
    response = browser.post("/ledger/exports", {"format": "xlsx", "start": "2026-03-01", "end": "2026-03-31",
                                                **fields}, page_url="/ledger")
    assert response.status_code == 303
    export_id = int(re.search(r"(\d+)$", response.headers["Location"]).group(1))
    runner.wait(app, export_id, timeout=60)
    return export_id


def _rows_of(browser, export_id):
    status = browser.get(f"/ledger/exports/{export_id}/status").get_json()
    assert status["state"] == "done", status
    book = load_workbook(io.BytesIO(browser.get(status["download"]).get_data()))
    sheet = book[LEDGER_SHEET]
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_a_lead_cannot_export_another_departments_cases(ledger_app, as_user):
    browser = as_user("lead")  # 大气环境科
    rows = _rows_of(browser, _export(ledger_app, browser))
    assert rows and {r["承办部门"] for r in rows} == {"大气环境科"}
    # Asking for the other department by filter gives nothing: the filter narrows the scope, never widens it.
    assert _rows_of(browser, _export(ledger_app, browser, department="enforcement")) == []


def test_a_town_supervisor_exports_only_their_town(ledger_app, as_user):
    browser = as_user("town")
    # Another town is not among their choices: refused outright.
    response = browser.post("/ledger/exports", {"format": "xlsx", "town": "T02"}, page_url="/ledger")
    assert response.status_code == 400
    assert {r["乡镇（街道）"] for r in _rows_of(browser, _export(ledger_app, browser))} == {"城关镇"}


def test_an_export_is_its_requesters_alone(ledger_app, as_user):
    export_id = _export(ledger_app, as_user("leader"))
    for who in ("lead", "town", "supervisor"):
        browser = as_user(who)
        for suffix in ("", "/status", "/file"):
            assert browser.get(f"/ledger/exports/{export_id}{suffix}").status_code == 404, (who, suffix)


def test_an_export_request_needs_the_csrf_token(ledger_app, as_user):
    browser = as_user("supervisor")
    response = browser.client.post("/ledger/exports", data={"format": "xlsx"})
    assert response.status_code == 400


def test_a_formula_looking_title_is_text_in_the_workbook(env, ledger_cases):  # noqa: F811
    out = io.BytesIO()
    with env.db.read() as s:
        write_ledger_xlsx(s, MARCH, LedgerFilters(), LedgerScope.everything(sees_identity=True), out, tz=TZ,
                          generated_at=NOW)
    raw = out.getvalue()
    import zipfile

    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert not any("<f>" in sheet for sheet in sheets), "a formula was written"
    book = load_workbook(io.BytesIO(raw))
    cells = [c for row in book[LEDGER_SHEET].iter_rows(min_row=2) for c in row if c.value == FORMULA]
    assert cells, "the title is kept as typed"
    for cell in cells:
        assert cell.data_type == "s"
        assert cell.quotePrefix, "Excel's quote prefix keeps it text even when edited"
    ordinary = [c for row in book[LEDGER_SHEET].iter_rows(min_row=2) for c in row if c.value == "固废堆放"]
    assert ordinary and not ordinary[0].quotePrefix


def test_markup_and_urls_in_a_title_are_text_in_the_pdf(env, ledger_cases):  # noqa: F811
    hostile = '<img src="file:///etc/passwd"><script>alert(1)</script>&amp;'
    with env.db.write() as s:
        s.execute(update(Case).where(Case.title == "固废堆放").values(title=hostile))
    out = io.BytesIO()
    with env.db.read() as s:
        write_ledger_pdf(s, MARCH, LedgerFilters(), LedgerScope.everything(sees_identity=True), out, tz=TZ,
                         generated_at=NOW)
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(out.getvalue())).pages)
    assert "".join(hostile.split()) in text  # shown as typed, so it was escaped, not interpreted


def test_the_pdf_fetches_nothing(env, ledger_cases):  # noqa: F811
    from documents.render import render_page_pdf

    with env.db.read() as s:
        context = ledger_pdf_context(s, MARCH, LedgerFilters(), LedgerScope.everything(), tz=__import__(
            "zoneinfo").ZoneInfo(TZ), generated_at=NOW)
    context["rows"][0]["cells"][1] = '<img src="file:///etc/passwd">'
    rendered = render_page_pdf("ledger.html", context, "ledger.css")
    assert rendered.refused == []  # escaped: no <img> ever reached the renderer
    assert b"root:" not in rendered.pdf


def test_the_complainant_never_appears_and_titles_are_masked_for_leads(ledger_app, as_user, env):
    case = env.register(title="投诉人李四，手机13912345678，反映异味", complainant_name="李四",
                        complainant_phone="13912345678")
    with env.db.write() as s:
        air = s.scalar(select(Department.id).where(Department.code == "air"))
        s.execute(update(Case).where(Case.id == case.id).values(department_id=air))
    browser = as_user("lead")
    html = browser.get("/ledger").get_data(as_text=True)
    assert "13912345678" not in html and "李四" not in html
    rows = _rows_of(browser, _export(ledger_app, browser))
    dumped = repr(rows)
    assert "13912345678" not in dumped and "李四" not in dumped
    assert not any("投诉人" in header for header in rows[0])
