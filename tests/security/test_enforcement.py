"""Enforcement and outside agencies as an attack surface: an outside agency's officer (公安)
reaches only the case and task sent to their agency (404 elsewhere, pages and task posts alike);
every step's form needs its CSRF token; a party named in markup is shown as text; the complainant
is masked in what the police read — the case page, the documents they download, the 案件移送书."""
from __future__ import annotations

import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from documents.storage import ensure_rendered
from engine.models.documents import Document
from tests.engine.enforcement.conftest import VIOLATION, add_agency_officer, enforcement_of

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NAME, PHONE = "张三", "13800000000"


def _handed_over(env):
    add_agency_officer(env)
    case = env.register(subject_enterprise="示范化工有限公司")
    env.accept_and_assign(case, department="enforcement")
    env.complete(case, "handle", VIOLATION, actor="handler2")
    env.complete(case, "en_file", {"party": HOSTILE, "violation": HOSTILE}, actor="lead2")
    env.complete(case, "en_investigate", {"findings": "暗管偷排", "crime_suspected": True}, actor="handler2")
    env.complete(case, "en_handover", {"police_department": "police", "receiver": "王警官", "received_on": "2026-03-03",
                                       "handover_reason": "涉嫌污染环境罪"}, actor="handler2")
    return env.case(case)


@pytest.fixture
def handed(env):
    return _handed_over(env)


def test_the_police_reach_only_what_was_sent_to_them(env, as_user, handed):
    other = env.register(title="另一件投诉", subject_enterprise="别家公司")
    env.accept_and_assign(other, department="enforcement")
    env.complete(other, "handle", VIOLATION, actor="handler2")
    mine, theirs = enforcement_of(env, handed), enforcement_of(env, other)
    police = as_user("police1")
    listed = police.get("/enforcement").get_data(as_text=True)
    assert f"/enforcement/{mine.id}" in listed and f"/enforcement/{theirs.id}" not in listed
    assert police.get(f"/enforcement/{theirs.id}").status_code == 404
    assert police.get(f"/cases/{other.id}").status_code == 404
    filing = env.task(other, "en_file")
    assert police.get(f"/tasks/{filing.id}").status_code == 404
    assert police.post(f"/tasks/{filing.id}", {"party": "x", "violation": "y"}, page_url="/inbox").status_code == 404
    assert enforcement_of(env, other).number is None
    # Nor does a bureau handler of another section work the police's task.
    decision = env.task(handed, "en_police")
    assert as_user("handler").get(f"/tasks/{decision.id}").status_code == 404


def test_each_step_needs_its_csrf_token(env, as_user, handed):
    task = env.task(handed, "en_police")
    police = as_user("police1")
    refused = police.client.post(f"/tasks/{task.id}", data={"decision": "filed"})
    assert refused.status_code == 400
    assert enforcement_of(env, handed).police_decision is None


def test_a_party_typed_as_markup_is_shown_as_text(env, as_user, handed):
    row = enforcement_of(env, handed)
    for page in ("/enforcement", f"/enforcement/{row.id}"):
        text = as_user("lead2").get(page).get_data(as_text=True)
        assert HOSTILE not in text and "&lt;script&gt;" in text


def test_the_complainant_is_masked_in_what_the_police_read(env, as_user, handed, tmp_path):
    police = as_user("police1")
    page = police.get(f"/cases/{handed.id}").get_data(as_text=True)
    assert PHONE not in page and NAME not in page
    with env.db.read() as s:
        docs = {d.kind: d for d in s.scalars(select(Document).where(Document.case_id == handed.id))}
    # A paper the complainant received names them: the police get the masked copy.
    notice = police.get(f"/cases/{handed.id}/documents/{docs['acceptance_notice'].id}.pdf")
    assert notice.status_code == 200 and notice.headers["X-Document-Copy"] == "masked"
    # The letter sent to the police never names them (a confidential kind).
    letter = ensure_rendered(env.runtime, docs["case_transfer_letter"].id, documents_dir=tmp_path / "d",
                             attachments_dir=tmp_path / "a")
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(tmp_path / "d" / letter.stored_path).pages))
    assert NAME not in text and PHONE not in text
    assert "涉嫌犯罪案件移送书" in text and "王警官" in text
