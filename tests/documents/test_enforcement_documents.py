"""The enforcement papers render as PDFs with their Chinese text (the CJK font embedded and
extractable): 责令改正违法行为决定书 and 行政处罚决定书 at the penalty decision, 涉嫌犯罪案件移送书 at the
handover — with the facts of their own enforcement case and no complainant."""
from __future__ import annotations

import re

from pypdf import PdfReader
from sqlalchemy import select

from documents.storage import ensure_rendered
from engine.models.documents import Document
from tests.engine.enforcement.conftest import VIOLATION, add_agency_officer

NAME, PHONE = "张三", "13800000000"


def _text(env, tmp_path, row: Document) -> str:
    row = ensure_rendered(env.runtime, row.id, documents_dir=tmp_path / "documents", attachments_dir=tmp_path / "a")
    reader = PdfReader(tmp_path / "documents" / row.stored_path)
    fonts = {str(f.get_object().get("/BaseFont")) for page in reader.pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    assert any(re.search(r"CJK|Noto|WenQuanYi|Droid|Source Han|SimSun|Hei|Song", name, re.I) for name in fonts), fonts
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_three_enforcement_papers_render_with_their_chinese_text(env, tmp_path):
    add_agency_officer(env)
    case = env.register(subject_enterprise="示范化工有限公司")
    env.accept_and_assign(case, department="enforcement")
    env.complete(case, "handle", VIOLATION, actor="handler2")
    env.complete(case, "en_file", {"party": "示范化工有限公司", "violation": "偷排含铬废水"}, actor="lead2")
    env.complete(case, "en_investigate", {"findings": "暗管偷排，铬超标十倍", "crime_suspected": True}, actor="handler2")
    env.complete(case, "en_handover", {"police_department": "police", "receiver": "刑侦大队王警官",
                                       "received_on": "2026-03-03", "handover_reason": "涉嫌污染环境罪"},
                 actor="handler2")
    env.complete(case, "en_police", {"decision": "returned"}, actor="police1")
    env.complete(case, "en_decide", {"fine_yuan": 250000, "production_limit": "stop", "limit_start": "2026-03-10",
                                     "limit_end": "2026-04-09", "correction_order": "拆除暗管，恢复治污设施运行",
                                     "correction_days": 15}, actor="lead2")
    with env.db.read() as s:
        docs = {d.kind: d for d in s.scalars(select(Document).where(Document.case_id == case.id))}
    letter = _text(env, tmp_path, docs["case_transfer_letter"])
    assert "涉嫌犯罪案件移送书" in letter and "公安局" in letter and "刑侦大队王警官" in letter
    assert "示范县环罚立〔2026〕第1号" in letter and "暗管偷排，铬超标十倍" in letter
    order = _text(env, tmp_path, docs["correction_order"])
    assert "责令改正违法行为决定书" in order and "拆除暗管，恢复治污设施运行" in order and "15个工作日" in order
    assert "停产整治" in order and "2026年3月10日至2026年4月9日" in order
    decision = _text(env, tmp_path, docs["penalty_decision"])
    assert "行政处罚决定书" in decision and "人民币250,000.00元" in decision and "示范化工有限公司" in decision
    for text in (letter, order, decision):
        assert NAME not in text and PHONE not in text
