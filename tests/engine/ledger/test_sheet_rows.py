"""The ledger's data rows written past XlsxWriter's cells (engine/ledger/sheet_rows.py), read back
with openpyxl: every kind of value, characters XML cannot hold, the quote prefix, row numbers per
sheet, and the same row on two sheets."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import xlsxwriter
from openpyxl import load_workbook

from engine.ledger.sheet_rows import CellXml, SheetRows, column_letters, splice


def test_column_letters():
    assert [column_letters(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]


def _book(tmp_path: Path, values_by_row: list[list], *, second_sheet_rows: list[int]):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    plain = book.add_format({"bg_color": "#FFC7CE", "pattern": 1})
    quoted = book.add_format({"bg_color": "#FFC7CE", "pattern": 1, "quote_prefix": True})
    when = book.add_format({"bg_color": "#FFC7CE", "pattern": 1, "num_format": "yyyy-mm-dd hh:mm"})
    styles = {"text": plain._get_xf_index(), "quoted": quoted._get_xf_index(), "when": when._get_xf_index()}
    sheets = []
    for index, name in enumerate(("all", "some")):
        sheet = book.add_worksheet(name)
        sheet.write_string(0, 0, "序号")
        sheets.append(SheetRows(f"xl/worksheets/sheet{index + 1}.xml", tmp_path))
    book.close()
    cells = CellXml(1, len(values_by_row[0]))
    for i, values in enumerate(values_by_row):
        xml = cells.row(values, **styles, needs_quote=lambda text: text.startswith("="))
        sheets[0].add(xml, styles["text"])
        if i in second_sheet_rows:
            sheets[1].add(xml, styles["text"])
    out = io.BytesIO()
    splice(path, out, sheets, column_letters(len(values_by_row[0])))
    for sheet in sheets:
        sheet.remove()
    assert not list(tmp_path.glob("*.xml"))  # the rows' temporary files are gone
    out.seek(0)
    return load_workbook(out)


def test_values_read_back_as_written(tmp_path):
    rows = [
        ["环字〔2026〕第0000001号", " 前后空格 ", datetime(2026, 3, 31, 23, 30), 7, None, "", "a<b & c>d"],
        ["控制\x01字符\x1f", "=SUM(A1)", datetime(1999, 12, 31, 0, 0), 2.5, "是", None, "\t缩进"],
    ]
    book = _book(tmp_path, rows, second_sheet_rows=[1])
    sheet = book["all"]
    got = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert got[0] == [1, "环字〔2026〕第0000001号", " 前后空格 ", datetime(2026, 3, 31, 23, 30), 7, None, None,
                      "a<b & c>d"]
    # Excel's escape of a character XML cannot hold, read back as openpyxl reads it.
    assert got[1][1] in ("控制\x01字符\x1f", "控制_x0001_字符_x001F_")
    assert got[1][2:] == ["=SUM(A1)", datetime(1999, 12, 31), 2.5, "是", None, "\t缩进"]
    assert sheet["C3"].data_type == "s" and sheet["C3"].quotePrefix  # text, never a formula
    assert not sheet["B2"].quotePrefix
    assert sheet["D2"].number_format == "yyyy-mm-dd hh:mm"
    assert {c.fill.fgColor.rgb[-6:] for c in sheet[2]} == {"FFC7CE"}  # blanks filled too
    assert sheet.max_row == 3 and sheet.calculate_dimension() == "A1:H3"
    # The second sheet numbers its own rows.
    some = [list(r) for r in book["some"].iter_rows(min_row=2, values_only=True)]
    assert len(some) == 1 and some[0][0] == 1 and some[0][4] == 2.5
