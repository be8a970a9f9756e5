"""The administrator's patrol-point import page: a dry run with line errors that saves nothing,
then the import; administrators only, CSRF-checked, names shown as text; the export guards
formula cells."""
from __future__ import annotations

import io

from engine.models import PatrolPoint
from tests.engine.patrol.conftest import add_point, set_clock

HEADER = "名称,类型,网格编码,纬度,经度,检查项\n"
HOSTILE = '<script>alert(1)</script>'


def _file(text: str):
    return (io.BytesIO(text.encode("utf-8")), "points.csv")


def test_a_dry_run_shows_line_errors_then_the_import_saves(env, as_user):
    admin = as_user("admin")
    url = "/patrol/points/import"
    assert "试导入" in admin.get(url).get_data(as_text=True)
    bad = HEADER + f"{HOSTILE},企业,T01-A01,30,120,异味\n河段一,河段,T01-A01,95,120,\n"
    answer = admin.post(url, {"action": "preview", "file": _file(bad)}, content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'data-line="3"' in page and "-90 至 90" in page
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert env.count(PatrolPoint) == 0
    refused = admin.post(url, {"action": "apply", "file": _file(bad)}, content_type="multipart/form-data")
    assert refused.status_code == 422 and "未导入任何巡查点" in refused.get_data(as_text=True)
    assert env.count(PatrolPoint) == 0
    good = HEADER + "河段一,河段,T01-A01,30,120,水色；漂浮物\n"
    preview = admin.post(url, {"action": "preview", "file": _file(good)}, content_type="multipart/form-data")
    assert preview.status_code == 200 and "可以导入" in preview.get_data(as_text=True) and env.count(PatrolPoint) == 0
    done = admin.post(url, {"action": "apply", "file": _file(good)}, content_type="multipart/form-data")
    assert done.status_code == 303 and env.count(PatrolPoint) == 1


def test_only_administrators_with_the_csrf_token(env, as_user):
    for username in ("supervisor", "town", "gridofficer", "intake"):
        assert as_user(username).get("/patrol/points/import").status_code in (403, 404), username
    admin = as_user("admin")
    no_token = admin.client.post("/patrol/points/import", data={"action": "apply",
                                                                 "file": _file(HEADER + "A,企业,T01-A01,30,120,\n")},
                                 content_type="multipart/form-data")
    assert no_token.status_code == 400 and env.count(PatrolPoint) == 0


def test_the_export_guards_formula_cells(env, as_user):
    set_clock(env, "2026-04-02T10:00:00+08:00")
    add_point(env, name="=HYPERLINK(\"http://x\")")
    answer = as_user("admin").get("/patrol/points/export.csv")
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].startswith("attachment")
    text = answer.data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
