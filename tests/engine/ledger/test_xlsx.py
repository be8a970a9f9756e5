"""The Excel ledger opened with openpyxl: Chinese headers, the frozen header row, each row filled in
its colour, the summary sheet, a sheet per town with its rows, and text never a formula."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from openpyxl import load_workbook

from engine.ledger.columns import FILLS, HEADERS
from engine.ledger.filters import LedgerFilters
from engine.ledger.rows import LedgerScope
from engine.ledger.xlsx import LEDGER_SHEET, SUMMARY_SHEET, sheet_name, write_ledger_xlsx
from tests.engine.ledger.conftest import MARCH

TZ = "Asia/Shanghai"
NOW = datetime(2026, 4, 2, 2, tzinfo=timezone.utc)


def _export(env, filters=LedgerFilters(), scope=None, **kw):
    out = io.BytesIO()
    calls = []
    with env.db.read() as s:
        written = write_ledger_xlsx(s, MARCH, filters, scope or LedgerScope.everything(sees_identity=True), out,
                                    tz=TZ, generated_at=NOW, progress=lambda n, total: calls.append((n, total)), **kw)
    out.seek(0)
    return load_workbook(out), written, calls


def _rgb(cell) -> str:
    return cell.fill.fgColor.rgb[-6:].upper()


def test_headers_frozen_pane_and_fills(env, ledger_cases):
    book, written, calls = _export(env)
    assert written == 6
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)
    assert book.sheetnames[:2] == [LEDGER_SHEET, SUMMARY_SHEET]
    sheet = book[LEDGER_SHEET]
    header = [c.value for c in sheet[1]]
    assert header == ["序号", *HEADERS]
    assert "案件编号" in header and "颜色" in header and "包案领导" in header
    assert "投诉人" not in "".join(header)  # the complainant is never a column
    assert sheet.freeze_panes == "A2"
    colour_col = header.index("颜色")
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == 6
    words = {"red": "红色 超期", "yellow": "黄色 预警", "blue": "蓝色 在办", "green": "绿色 办结"}
    seen = set()
    for row in rows:
        colour = next(code for code, text in words.items() if row[colour_col].value == text)
        seen.add(colour)
        assert {_rgb(cell) for cell in row} == {FILLS[colour].lstrip("#").upper()}, colour
    assert seen == {"red", "yellow", "blue", "green"}


def test_dates_are_real_local_datetimes_and_deadlines_read_as_statute(env, ledger_cases):
    book, _n, _calls = _export(env)
    sheet = book[LEDGER_SHEET]
    header = [c.value for c in sheet[1]]
    values = {row[header.index("标题")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    received = values["固废堆放"][header.index("登记时间")]
    assert received == datetime(2026, 3, 31, 23, 30)  # Shanghai time, not 15:30 UTC
    closed = values["露天焚烧垃圾"]
    assert closed[header.index("按时办结")] == "按时" and closed[header.index("回访结果")] == "满意"


def test_a_sheet_per_town_with_its_rows(env, ledger_cases):
    book, _n, _calls = _export(env)
    assert book.sheetnames[2:] == ["城关镇", "东城街道"]
    for name, expected in (("城关镇", 3), ("东城街道", 3)):
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        assert [c.value for c in sheet[1]] == ["序号", *HEADERS]
        towns = [row[HEADERS.index("乡镇（街道）") + 1] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert towns == [name] * expected
    filtered, written, _calls = _export(env, LedgerFilters(town="T02"))
    assert written == 3 and filtered.sheetnames == [LEDGER_SHEET, SUMMARY_SHEET, "东城街道"]


def test_summary_sheet_says_what_the_ledger_is_of(env, ledger_cases):
    book, _n, _calls = _export(env, LedgerFilters(colour="red"))
    cells = [c for row in book[SUMMARY_SHEET].iter_rows(values_only=True) for c in row if c is not None]
    assert "四色台账汇总" in cells
    assert "2026-03-01 至 2026-03-31" in cells
    assert "颜色：红色 超期" in cells


def test_an_empty_period_still_makes_a_workbook(env, ledger_cases):
    book, written, calls = _export(env, LedgerFilters(channel="monitoring"))
    assert written == 0 and calls[-1] == (0, 0)
    assert [c.value for c in book[LEDGER_SHEET][1]] == ["序号", *HEADERS]
    assert book.sheetnames == [LEDGER_SHEET, SUMMARY_SHEET]


def test_sheet_names_are_valid_and_unique():
    taken = {"台账"}
    assert sheet_name("台账", taken) == "台账(2)"
    assert sheet_name("a/b:c*d?[e]", taken) == "a_b_c_d__e_"
    long = "很" * 40
    assert len(sheet_name(long, taken)) == 31 and len(sheet_name(long, taken)) == 31
    assert len(taken) == 5


def _block(sheet, title):
    """The rows under a block's title and header, up to the blank line that ends it."""
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    start = next(i for i, r in enumerate(rows) if r and r[0] == title)
    found = []
    for r in rows[start + 2:]:
        if r[0] is None:
            break
        found.append(r)
    return found


def test_summary_figures_are_the_measures_modules(env, ledger_cases):
    from sqlalchemy import true

    from engine.measures import MEASURE_LIST, Filters, Rate, measure

    book, _n, _calls = _export(env)
    sheet = book[SUMMARY_SHEET]
    with env.db.read() as s:
        expected = measure(s, MARCH, scope=true(), tz=TZ, filters=Filters(), by="town")
    shown = {row[0]: row for row in _block(sheet, "统计指标")}
    assert [name for name in shown] == [m.name for m in MEASURE_LIST]
    assert shown["受理总量"][1] == expected.total.count("received") == 6
    for m in MEASURE_LIST:
        value = expected.total.value(m)
        if isinstance(value, Rate):
            assert shown[m.name][2:4] == [value.numerator, value.denominator], m.code
            assert shown[m.name][1] == (value.value if value.value is not None else "—"), m.code
        elif m.kind == "count":
            assert shown[m.name][1] == value, m.code
    towns = {row[0]: row for row in _block(sheet, "分乡镇（街道）")}
    assert set(towns) == {row.label for row in expected.rows} | {"合计"}
    for row in expected.rows:
        assert towns[row.label][1] == row.figures.count("received")
    assert towns["合计"][1] == 6
    # Each town sheet holds as many rows as the measures count for that town.
    for row in expected.rows:
        assert book[row.label].max_row - 1 == row.figures.count("received")


def test_summary_follows_the_slice_filters_and_says_which_it_cannot(env, ledger_cases):
    book, _n, _calls = _export(env, LedgerFilters(town="T02", colour="blue"))
    shown = {row[0]: row for row in _block(book[SUMMARY_SHEET], "统计指标")}
    assert shown["受理总量"][1] == 3  # the town's cases, whatever their colour
    assert any(name.startswith("注：") and "颜色" in name for name in shown)
