"""NUL refused, bidirectional and other control characters removed, NFC — through every way text
comes in: staff and public web forms, query strings, API JSON, Open311 form posts, uploaded file
names, the grid CSV import, and the engine's own intake and task forms (engine/core/text.py,
webapp/input_hygiene.py)."""
from __future__ import annotations

import io
import unicodedata

import pytest
from sqlalchemy import select

from engine.cases.intake import register_case
from engine.core.errors import FormInvalid
from engine.core.text import BIDI_CONTROLS, UnsafeText, clean_text
from engine.models import Attachment
from engine.models.people_admin import GridImport
from engine.org import grid_import
from engine.org.api_tokens import create_token
from tests.web.conftest import csrf_of

RLO, PDF_, LRI, PDI, LRM = "\u202e", "\u202c", "\u2066", "\u2069", "\u200e"
# "gpj.exe" shown right-to-left reads "exe.jpg": the classic disguised file name.
SPOOF = f"工厂{RLO}gpj.exe{PDF_}排污"
DECOMPOSED = unicodedata.normalize("NFD", "Café")  # "e" + combining acute accent
TEXT = f"{SPOOF}，夜间异味{LRI}明显{PDI}{LRM}\n第二行\t{DECOMPOSED}"
CLEAN = "工厂gpj.exe排污，夜间异味明显\n第二行\tCafé"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 300
INTAKE = {"channel": "hotline", "category": "air", "subject_type": "enterprise", "title": "化工厂夜间排放刺鼻异味",
          "description": "每晚十点以后气味明显", "grid_code": "T01-A01-V01", "complainant_name": "李四",
          "complainant_phone": "13900001111"}
PUBLIC = {"category": "noise", "description": "工地每晚十一点后还在打桩，噪声很大", "grid_code": "T01-A01-V01",
          "complainant_name": "李四", "complainant_phone": "13900001111", "subject_type": "construction"}


@pytest.fixture(autouse=True)
def _generous_limits(app):
    app.config.update(PUBLIC_SUBMIT_LIMIT="1000 per minute", CASE_CODE_LOOKUP_LIMIT="1000 per minute")


# ---------------------------------------------------------------------------- the rule


def test_the_rule_keeps_chinese_line_breaks_and_tabs_and_removes_every_bidi_control():
    assert clean_text(TEXT) == CLEAN
    assert clean_text("投诉\r\n第二行") == "投诉\r\n第二行"
    for char in BIDI_CONTROLS:
        assert clean_text(f"a{char}b") == "ab"
    assert clean_text("a\x0bb\x0cc\u2028d") == "a\nb\nc\nd"  # line breaks word processors use
    assert clean_text("a\x07b\x1bc\x7fd\x9be") == "abcde"
    with pytest.raises(UnsafeText):
        clean_text("a\x00b")


# ---------------------------------------------------------------------------- web forms and query strings


def test_staff_intake_form_stores_clean_text_and_refuses_nul(env, as_user):
    intake = as_user("intake")
    before = env.count()
    answer = intake.post("/intake/new", data={**INTAKE, "title": SPOOF, "description": TEXT})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    case = env.newest_case()
    assert (case.title, case.description) == ("工厂gpj.exe排污", CLEAN)
    assert env.count() == before + 1

    refused = intake.post("/intake/new", data={**INTAKE, "title": "化工厂\x00排放"})
    assert refused.status_code == 400 and "NUL" in refused.get_data(as_text=True)
    # Also in a field the view never reads, and in a field's name.
    assert intake.post("/intake/new", data={**INTAKE, "extra": "\x00"}).status_code == 400
    assert intake.post("/intake/new", data={**INTAKE, "ex\x00tra": "x"}).status_code == 400
    assert env.count() == before + 1


def test_public_form_stores_clean_text_and_refuses_nul_with_its_own_page(env, as_user):
    visitor = as_user()
    before = env.count()
    answer = visitor.post("/public/new", data={**PUBLIC, "description": TEXT})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:500]
    assert env.newest_case().description == CLEAN
    refused = visitor.post("/public/new", data={**PUBLIC, "description": "打桩\x00噪声很大很大"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "NUL" in page and 'class="public"' in page
    assert env.count() == before + 1


def test_query_strings_are_cleaned_and_nul_refused(env, as_user):
    intake = as_user("intake")
    page = intake.get(f"/inbox?q=%E2%80%AE{'夜间'}").get_data(as_text=True)
    assert 'value="夜间"' in page and RLO not in page
    assert intake.get("/inbox?q=a%00b").status_code == 400
    assert as_user().get("/public/grid-options?town=T01%00").status_code == 400


def test_identifiers_in_the_path_are_refused_not_changed(env, as_user):
    code = env.register().tracking_code
    visitor = as_user()
    assert visitor.get(f"/public/track/{code}").status_code == 200
    assert visitor.get(f"/public/track/{code[:5]}%E2%80%AE{code[5:]}").status_code == 404
    assert visitor.get(f"/public/track/{code}%00").status_code == 404


# ---------------------------------------------------------------------------- uploaded file names and CSV


def test_uploaded_file_names_are_cleaned_and_nul_refused(env, as_user):
    admin = as_user("admin")
    csv = "层级,编码,名称,上级编码\n村,T01-A01-V77,新村,T01-A01\n".encode()
    answer = admin.post("/admin/people/grid/import", page_url="/admin/people/grid/import",
                        data={"file": (io.BytesIO(csv), f"网格{RLO}vsc.exe")}, content_type="multipart/form-data")
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    with env.db.read() as s:
        assert s.scalars(select(GridImport.filename)).one() == "网格vsc.exe"

    intake = as_user("intake")
    before = env.count()
    refused = intake.post("/intake/new", data={**INTAKE, "attachments": (io.BytesIO(JPEG), "照片.jpg\x00.exe")},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert env.count() == before
    assert env.count(Attachment) == 0


def test_grid_csv_import_cleans_names_and_treats_nul_as_a_bad_file(env):
    csv = f"层级,编码,名称,上级编码\n村,T01-A01-V77,新{RLO}村{PDF_},T01-A01\n".encode()
    with env.db.read() as s:
        plan = grid_import.preview(s, csv)
        assert plan.file_errors == [] and [row.name for row in plan.rows] == ["新村"]
        binary = grid_import.preview(s, "层级,编码,名称,上级编码\n村,T01-A01-V77,新\x00村,T01-A01\n".encode())
        assert [p.code for p in binary.file_errors] == ["file_encoding"] and binary.rows == []


# ---------------------------------------------------------------------------- API and Open311


def test_api_json_is_cleaned_and_nul_refused_in_the_api_error_shape(env, app):
    api = app.test_client()
    _row, token = env.run(create_token, "hygiene", ["cases:write", "cases:read"], created_by="admin",
                          channel="monitoring")
    headers = {"Authorization": f"Bearer {token}"}
    body = {"category": "air", "title": SPOOF, "description": TEXT, "grid_code": "T01-A01-V01",
            "complainant_anonymous": True}
    answer = api.post("/api/v1/cases", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert (env.newest_case().title, env.newest_case().description) == ("工厂gpj.exe排污", CLEAN)
    before = env.count()
    for bad in ({**body, "description": "a\x00b"}, {**body, "external_id": "x\x00"}, {**body, "k\x00": 1}):
        refused = api.post("/api/v1/cases", json=bad, headers=headers)
        assert refused.status_code == 400, refused.get_data(as_text=True)
        assert refused.get_json()["code"] == "bad_request" and "NUL" in refused.get_json()["message"]
    assert env.count() == before


def test_open311_form_posts_are_cleaned_and_nul_refused_in_the_spec_format(env, app):
    client = app.test_client()
    key = env.run(create_token, "App", ["open311:submit"], created_by="admin")[1]
    fields = {"api_key": key, "service_code": "noise", "address_string": "城关镇建设路 8 号",
              "description": TEXT, "first_name": "三", "last_name": "张", "phone": "13800000000"}
    answer = client.post("/open311/v2/requests.json", data=fields)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert env.newest_case().description == CLEAN
    before = env.count()
    refused = client.post("/open311/v2/requests.json", data={**fields, "description": "a\x00b"})
    assert refused.status_code == 400
    [error] = refused.get_json()
    assert error["code"] == 400 and "NUL" in error["description"]
    refused = client.post("/open311/v2/requests.xml", data={**fields, "last_name": "\x00"})
    assert refused.status_code == 400 and refused.mimetype == "text/xml" and b"NUL" in refused.data
    assert env.count() == before


# ---------------------------------------------------------------------------- callers that are not web requests


def test_engine_intake_cleans_for_every_caller_and_refuses_nul(env):
    case = env.run(register_case, {**INTAKE, "title": SPOOF, "description": TEXT}, "cli")
    assert (case.title, case.description) == ("工厂gpj.exe排污", CLEAN)
    with pytest.raises(FormInvalid) as refused:
        env.run(register_case, {**INTAKE, "address": "路\x00口"}, "cli")
    assert "address" in refused.value.errors


def test_task_forms_clean_for_every_caller_and_refuse_nul(env, as_user):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    with pytest.raises(FormInvalid):
        env.complete(case, "assign", {"action": "assign", "department": "air", "note": "a\x00b"})
    task = env.task(case, "assign")
    browser = as_user("intake")
    page = browser.get(f"/tasks/{task.id}").get_data(as_text=True)
    refused = browser.client.post(f"/tasks/{task.id}", data={"csrf_token": csrf_of(page), "action": "assign",
                                                             "department": "air\x00"})
    assert refused.status_code == 400
    assert env.task(case, "assign").state == "ready"
