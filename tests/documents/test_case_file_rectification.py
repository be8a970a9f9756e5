"""The case file (案卷) lists the rectification items with their sign-off, read back from the PDF."""
from __future__ import annotations

import re

from pypdf import PdfReader

from documents.issue import list_documents
from documents.storage import ensure_rendered


def test_the_case_file_lists_each_item_and_its_sign_off(env, tmp_path):
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "布袋破损",
                                  "rectification": "更换除尘布袋｜某化工厂｜3｜更换后照片"}, actor="handler")
    env.complete(case, "rectify_evidence", {"evidence_note": "已全部更换"}, actor="handler")
    env.complete(case, "rectify_signoff", {"signed_off": True}, actor="lead")
    env.complete(case, "feedback", {"reply": "已整改", "contact_method": "phone"}, actor="handler")
    env.complete(case, "review", {"approved": True}, actor="lead")
    env.complete(case, "follow_up", {"satisfaction": "satisfied"}, actor="intake")
    with env.db.read() as s:
        [row] = [d for d in list_documents(s, case.id) if d.kind == "case_file"]
    dirs = {"documents_dir": tmp_path / "documents", "attachments_dir": tmp_path / "attachments"}
    row = ensure_rendered(env.runtime, row.id, **dirs)
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(dirs["documents_dir"] / row.stored_path).pages))
    assert "整改销号（1/1项已销号）" in text
    assert "更换除尘布袋" in text and "某化工厂" in text and "已全部更换" in text and "已销号" in text
    assert "整改项第1项销号" in text  # the timeline in 办理过程
