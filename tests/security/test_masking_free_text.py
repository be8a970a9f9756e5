"""Identities typed into free text never reach a reader who may not see them.

The attack: a complainant (or the intake desk) writes a phone number in another formatting, a
second phone, an ID-card number or an e-mail address into the description, a note or the reply;
an unauthenticated Open311 client, whoever holds the tracking page, a handler, a lead, the
enterprise receiving an assignment slip and a machine API client then read it. Each reader must
see the table SECRETS masked, and the bureau's own numbers (KEEP) intact, because a masked case
number, date or measured value would make a case unworkable. engine/cases/masking.py.
"""
from __future__ import annotations

import io
import json
import re

import pytest
from defusedxml import ElementTree as SafeET
from pypdf import PdfReader
from sqlalchemy import select

from documents.issue import list_documents
from engine.cases.masking import PAPER, PUBLIC, STAFF, redactor
from engine.models import Task
from engine.org.api_tokens import create_token

NAME, PHONE = "张三", "13800000000"  # the complainant tests/conftest.Env.register files

# (as someone typed it, what must not come back: compared with spaces and - . ( ) removed)
SECRETS = [
    ("张三", "张三"),  # the complainant's own name
    ("138 0000 0000", PHONE),  # the complainant's own phone, formatted
    ("1 3 8 0 0 0 0 0 0 0 0", PHONE),  # digits typed one by one
    ("13958210001", "13958210001"),
    ("139 5822 0002", "13958220002"),
    ("139-5823-0003", "13958230003"),
    ("139.5824.0004", "13958240004"),
    ("1395825 0005", "13958250005"),
    ("+86 139 5826 0006", "13958260006"),
    ("0086-13958270007", "13958270007"),
    ("(+86)13958280008", "13958280008"),
    ("１３９５８２９０００９", "13958290009"),  # full-width, as an input method types it
    ("0531-5830 0010", "053158300010"),
    ("0531-58310011", "053158310011"),
    ("(010)58320012", "01058320012"),
    ("（021）5833-0013", "02158330013"),
    ("010 5834 0014", "01058340014"),
    ("+86 531 5835 0015", "5315835"),
    ("400-583-6016", "4005836016"),
    ("800 583 7017", "8005837017"),
    ("座机 5838 0018", "58380018"),  # a local number without its area code, said to be a phone
    ("370102199001015822", "370102199001015822"),  # resident ID, valid check digit
    ("370102199001015829", "370102199001015829"),  # a wrong check digit still names the person
    ("37010219900202582X", "37010219900202582X"),  # X check character
    ("370102 19900303 5823", "370102199003035823"),
    ("370102900404582", "370102900404582"),  # the old 15-digit number
    ("zhangsan.5821@example.com", "zhangsan.5821@"),
    ("li_si+env@163.com", "li_si+env@"),
    ("wangwu5822＠qq.com", "wangwu5822"),  # full-width at sign
    ("QQ：58213344", "58213344"),
    ("微信号：zs_envwatch", "zs_envwatch"),
]
# The bureau's own numbers and measurements: masking any of them would hurt the case.
KEEP = [
    "环字〔2026〕第000123号", "环交〔2026〕第12号", "2026-03-02 10:00", "2026年3月2日10时", "14:30-16:00",
    "2026-03-02T10:00:00+08:00", "182.5 mg/m3", "限值100mg/m3", "135.2、143.3、156.1 μg/m3", "PM2.5",
    "91370100MA3C12345X", "914403001922038216", "113701199001010040",  # 统一社会信用代码, the last two all digits
    "ZJ-0571-003", "37010000000001", "AB23CD45EF", "117.123456,36.654321", "12369", "经十路 17923 号",
    "第2-3层 105-108室",
]
TEXT = "每晚十点后有刺鼻气味。" + "；".join(typed for typed, _ in SECRETS) + "。相关信息：" + "；".join(KEEP) + "。"
TITLE = "夜间异味（联系 139 5822 0002）"
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _bare(text: str) -> str:
    return re.sub(r"[\s\-.()]", "", text.translate(_FOLD))


def assert_masked(text: str, *, identity_shown: bool = False) -> None:
    """No secret in ``text`` (or all of them, for a reader who may see the identity), every KEEP intact."""
    bare = _bare(text)
    leaked = [typed for typed, needle in SECRETS if _bare(needle) in bare]
    if identity_shown:
        assert leaked == [typed for typed, _ in SECRETS]
    else:
        assert leaked == []
    kept = [keep for keep in KEEP if _bare(keep) not in bare]
    assert kept == []


# ---------------------------------------------------------------------------- the redactor itself


@pytest.mark.parametrize("style", [STAFF, PAPER, PUBLIC], ids=["staff", "paper", "public"])
def test_every_secret_is_masked_and_every_number_of_the_bureau_kept_in_each_style(style):
    redact = redactor([(NAME, PHONE)], style)
    for typed, needle in SECRETS:
        assert _bare(needle) not in _bare(redact(f"内容：{typed}。")), typed
    for keep in KEEP:
        assert redact(f"内容：{keep}。") == f"内容：{keep}。", keep
    assert_masked(redact(TEXT))


def test_staff_style_keeps_enough_to_tell_two_apart():
    redact = redactor([(NAME, PHONE)], STAFF)
    assert redact("张三 138 0000 0000") == "张* 138****0000"
    assert redact("+86 139 5826 0006；0531-5830 0010") == "139****0006；053****0010"
    assert redact("370102199001015822 zhangsan.5821@example.com") == "370***********5822 z***@example.com"
    assert redactor([], PUBLIC)("电话（010）58320012。") == "电话***。"


# ---------------------------------------------------------------------------- Open311, no sign-in


def test_open311_requests_mask_every_identity_in_json_and_xml(env, app):
    case = env.register(description=TEXT, address="城关镇建设路 8 号，门卫电话 0531-5830 0010")
    client = app.test_client()
    found = client.get(f"/open311/v2/requests.json?service_request_id={case.number}").get_json()
    assert [r["service_request_id"] for r in found] == [case.number]
    assert_masked(found[0]["description"])
    assert "0531-5830 0010" not in found[0]["address"] and "城关镇建设路 8 号" in found[0]["address"]
    listed = json.dumps(client.get("/open311/v2/requests.json").get_json(), ensure_ascii=False)
    assert case.number in listed and NAME not in listed and "13958210001" not in listed

    root = SafeET.fromstring(client.get(f"/open311/v2/requests/{case.number}.xml").data)
    assert_masked(root.findtext("request/description"))
    raw = client.get("/open311/v2/requests.xml").get_data(as_text=True)
    assert "13958210001" not in raw and "zhangsan.5821@" not in raw


# ---------------------------------------------------------------------------- the public tracking page


def _to_reply(env, case, reply: str):
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实"}, actor="handler")
    env.complete(case, "feedback", {"reply": reply, "contact_method": "phone"}, actor="handler")
    env.complete(case, "review", {"approved": True}, actor="lead")


def test_tracking_page_masks_the_title_and_the_reply(env, as_user, app):
    app.config.update(CASE_CODE_LOOKUP_LIMIT="1000 per minute")
    case = env.register(title=TITLE, description=TEXT)
    _to_reply(env, case, f"{NAME}您好：{TEXT}")
    html = as_user().get(f"/public/track/{case.tracking_code}").get_data(as_text=True)
    assert "已办结并答复" in html and "每晚十点后有刺鼻气味" in html and "夜间异味（联系" in html
    assert_masked(html)


# ---------------------------------------------------------------------------- documents


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_masked_copy_and_assignment_slip_carry_no_identity(env, app, as_user, tmp_path):
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    case = env.register(description=TEXT)
    env.accept_and_assign(case, instructions="请联系投诉人 139 5822 0002 核实")
    with env.db.read() as s:
        rows = {row.kind: row for row in list_documents(s, case.id)}
    notice, slip = rows["acceptance_notice"], rows["assignment_slip"]
    handler = as_user("handler")

    # The acceptance notice names the complainant: the handler gets its masked copy.
    copy = handler.get(f"/cases/{case.id}/documents/{notice.id}.pdf")
    assert copy.headers["X-Document-Copy"] == "masked"
    text = _pdf_text(copy.data)
    assert "脱敏副本" in text and case.number in _bare(text)
    assert_masked(text)

    # The assignment slip leaves the bureau (confidential): its official paper masks them.
    paper = handler.get(f"/cases/{case.id}/documents/{slip.id}.pdf")
    assert paper.headers["X-Document-Copy"] == "official"
    text = _pdf_text(paper.data)
    assert "交办单" in text and "请联系投诉人" in text and "13958220002" not in _bare(text)
    assert_masked(text)

    # Intake reads the official notice with everything in it.
    official = as_user("intake").get(f"/cases/{case.id}/documents/{notice.id}.pdf")
    assert official.headers["X-Document-Copy"] == "official"
    assert_masked(_pdf_text(official.data), identity_shown=True)


# ---------------------------------------------------------------------------- staff pages


def test_handlers_and_leads_read_the_description_masked_and_intake_in_clear(env, as_user):
    case = env.register(title=TITLE, description=TEXT)
    env.accept_and_assign(case, instructions="请联系投诉人 139 5822 0002 核实")
    for username in ("handler", "lead"):
        html = as_user(username).get(f"/cases/{case.id}").get_data(as_text=True)
        assert "每晚十点后有刺鼻气味" in html and "夜间异味（联系" in html
        assert_masked(html)
        listed = as_user(username).get("/cases").get_data(as_text=True)
        assert "夜间异味（联系" in listed and "13958220002" not in _bare(listed)
    for username in ("intake", "supervisor"):
        assert_masked(as_user(username).get(f"/cases/{case.id}").get_data(as_text=True), identity_shown=True)

    # The task page: the case in brief and what the assigning step wrote.
    with env.db.read() as s:
        task = s.scalars(select(Task).where(Task.case_id == case.id, Task.spec == "handle",
                                            Task.state == "ready")).one()
    html = as_user("handler").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "请联系投诉人" in html and "每晚十点后有刺鼻气味" in html
    assert_masked(html)


# ---------------------------------------------------------------------------- the API


def _token(env, *scopes, user=None, channel=None):
    _row, token = env.run(create_token, f"masking {user or channel}", list(scopes), created_by="admin",
                          username=user, channel=channel)
    return {"Authorization": f"Bearer {token}"}


def test_api_masks_free_text_for_machine_clients_and_staff_without_the_right(env, app):
    api = app.test_client()
    machine = _token(env, "cases:write", "cases:read", channel="hotline")
    body = {"category": "air", "title": TITLE, "description": TEXT, "grid_code": "T01-A01-V01",
            "complainant_name": NAME, "complainant_phone": PHONE}
    created = api.post("/api/v1/cases", json=body, headers=machine)
    assert created.status_code == 201, created.get_data(as_text=True)
    for answer in (created.get_json(), api.get(f"/api/v1/cases/{created.get_json()['id']}", headers=machine).get_json(),
                   api.get("/api/v1/cases", headers=machine).get_json()["items"][0]):
        assert answer["complainant"] == {"anonymous": False, "name": "张*", "phone": "138****0000"}
        assert_masked(answer["description"] + answer["title"])

    case = env.register(title=TITLE, description=TEXT)
    env.accept_and_assign(case)
    handler = api.get(f"/api/v1/cases/{case.id}", headers=_token(env, "cases:read", user="handler")).get_json()
    assert_masked(handler["description"] + handler["title"])
    intake = api.get(f"/api/v1/cases/{case.id}", headers=_token(env, "cases:read", user="intake")).get_json()
    assert intake["description"] == TEXT and intake["title"] == TITLE
