"""Documents on the case page: listing, download scope, regenerate, and the admin setting."""
from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from engine.models import AuditEvent
from engine.models.documents import Document
from webapp import create_app


@pytest.fixture
def app(env, tmp_path):
    # Generated PDFs go to the test's own folder, never into the repository's instance/.
    return create_app(runtime=env.runtime, TESTING=True, LOGIN_RATE_LIMIT="1000 per minute",
                      ATTACHMENTS_DIR=str(tmp_path / "attachments"), DOCUMENTS_DIR=str(tmp_path / "documents"))


def documents(env, case) -> dict[str, Document]:
    with env.db.read() as s:
        return {d.kind: d for d in s.scalars(select(Document).where(Document.case_id == case.id).order_by(Document.id))}


def pdf_text(response) -> str:
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages))


def test_case_page_lists_documents_and_intake_downloads_them(env, as_user, tmp_path):
    case = env.register()
    env.accept_and_assign(case)
    docs = documents(env, case)
    intake = as_user("intake")
    page = intake.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "文书" in page and "受理告知书" in page and "环受告〔2026〕第1号" in page and "交办单" in page

    url = f"/cases/{case.id}/documents/{docs['acceptance_notice'].id}.pdf"
    assert url in page
    response = intake.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    name = quote("受理告知书-环受告〔2026〕第1号.pdf", safe="")
    assert f"filename*=UTF-8''{name}" in response.headers["Content-Disposition"]
    assert "张三" in pdf_text(response) and env.case(case).number in pdf_text(response)
    with env.db.read() as s:
        row = s.get(Document, docs["acceptance_notice"].id)
    assert row.status == "rendered" and (tmp_path / "documents" / row.stored_path).is_file()
    assert response.headers["X-Document-SHA256"] == row.sha256
    assert row.sha256 in intake.get(f"/cases/{case.id}").get_data(as_text=True)  # listed with its checksum


def test_documents_outside_the_case_scope_are_404(env, as_user):
    case = env.register()
    env.accept_and_assign(case, department="air")
    docs = documents(env, case)
    handler2 = as_user("handler2")  # 执法大队: not this case's department
    for doc in docs.values():
        assert handler2.get(f"/cases/{case.id}/documents/{doc.id}.pdf").status_code == 404
    other = env.register()
    # A document id that exists, asked for under another case's address.
    assert as_user("intake").get(f"/cases/{other.id}/documents/{docs['acceptance_notice'].id}.pdf").status_code == 404


def test_handler_gets_the_slip_as_issued_and_a_masked_copy_of_the_notice_naming_the_complainant(env, as_user):
    case = env.register()
    env.accept_and_assign(case, department="air")
    docs = documents(env, case)
    handler = as_user("handler")
    page = handler.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "下载脱敏副本 PDF" in page and "脱敏副本：投诉人姓名、电话已隐去" in page
    notice = handler.get(f"/cases/{case.id}/documents/{docs['acceptance_notice'].id}.pdf")
    assert notice.status_code == 200 and notice.headers["X-Document-Copy"] == "masked"
    assert "X-Document-SHA256" not in notice.headers  # that checksum is the official file's
    assert quote("受理告知书-环受告〔2026〕第1号-脱敏副本.pdf", safe="") in notice.headers["Content-Disposition"]
    text = pdf_text(notice)
    assert "受理告知书" in text and "脱敏副本·不作正式文书使用" in text and "张*" in text
    assert "张三" not in text and "13800000000" not in text
    slip = handler.get(f"/cases/{case.id}/documents/{docs['assignment_slip'].id}.pdf")
    assert slip.status_code == 200 and slip.headers["X-Document-Copy"] == "official"
    text = pdf_text(slip)
    assert "交办单" in text and "张三" not in text and "13800000000" not in text and "脱敏副本" not in text


def test_lead_reads_a_masked_closure_report_and_the_official_file_stays_as_issued(env, as_user, tmp_path):
    from tests.documents.test_documents import run_full_loop

    case = env.register(description="每晚十点后有刺鼻气味。联系人张三，电话13800000000。")
    run_full_loop(env, case)
    report = documents(env, case)["closure_report"]
    url = f"/cases/{case.id}/documents/{report.id}.pdf"
    intake = as_user("intake")
    official = intake.get(url)
    assert official.status_code == 200 and official.headers["X-Document-Copy"] == "official"
    official_text = pdf_text(official)
    assert "张三" in official_text and "脱敏副本" not in official_text
    with env.db.read() as s:
        row = s.get(Document, report.id)
    stored = tmp_path / "documents" / row.stored_path
    before = stored.read_bytes()

    lead = as_user("lead")
    page = lead.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "下载脱敏副本 PDF" in page and row.sha256[:12] not in page  # the listing says which file they get
    masked = lead.get(url)
    assert masked.status_code == 200 and masked.headers["X-Document-Copy"] == "masked"
    text = pdf_text(masked)
    for expected in (env.case(case).number, "办结报告", "现场核查属实，该厂夜间违规排放", "同意办结，材料齐全",
                     "脱敏副本·不作正式文书使用", "张*", "138****0000"):
        assert expected in text, expected
    assert "张三" not in text and "13800000000" not in text and "（盖章）" not in text
    assert masked.data != official.data

    # Nothing about the official version moved: file, checksum, listing.
    assert stored.read_bytes() == before
    with env.db.read() as s:
        after = s.get(Document, report.id)
    assert (after.stored_path, after.sha256, after.version, after.status) == \
        (row.stored_path, row.sha256, row.version, "rendered")
    assert intake.get(url).data == official.data
    assert row.sha256 in intake.get(f"/cases/{case.id}").get_data(as_text=True)


def test_regenerate_makes_a_new_version_and_issuing_is_for_permitted_roles(env, as_user):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    notice = documents(env, case)["acceptance_notice"]
    intake = as_user("intake")
    page_url = f"/cases/{case.id}"
    response = intake.post(f"/cases/{case.id}/documents/{notice.id}/regenerate", page_url=page_url)
    assert response.status_code == 302
    with env.db.read() as s:
        versions = [(d.number, d.version) for d in s.scalars(select(Document).where(Document.kind == "acceptance_notice")
                                                               .order_by(Document.id))]
    assert versions == [("环受告〔2026〕第1号", 1), ("环受告〔2026〕第1号", 2)]
    assert "第 2 版" in intake.get(page_url).get_data(as_text=True)

    assert intake.post(f"/cases/{case.id}/documents", {"kind": "case_file"}, page_url=page_url).status_code == 302
    assert "case_file" in documents(env, case)
    assert intake.post(f"/cases/{case.id}/documents", {"kind": "nonsense"}, page_url=page_url).status_code == 302

    env.complete(case, "assign", {"action": "assign", "department": "air"})
    handler = as_user("handler")
    assert handler.post(f"/cases/{case.id}/documents", {"kind": "reply"}, page_url=page_url).status_code == 403
    assert handler.post(f"/cases/{case.id}/documents/{notice.id}/regenerate", page_url=page_url).status_code == 403
    assert as_user("lead2").post(f"/cases/{case.id}/documents", {"kind": "reply"},
                                 page_url="/approvals").status_code == 404


def test_admin_toggles_identity_on_external_documents_and_it_is_audited(env, as_user):
    assert as_user("intake").get("/admin/documents").status_code == 403
    admin = as_user("admin")
    page = admin.get("/admin/documents").get_data(as_text=True)
    assert "允许在交办单、转办单、督办单中显示投诉人姓名和电话" in page and "示范县生态环境局" in page
    response = admin.post("/admin/documents", {"show_identity_external": "1", "bureau_name": "测试县生态环境局"})
    assert response.status_code == 302
    assert "checked" in admin.get("/admin/documents").get_data(as_text=True)
    with env.db.read() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.kind == "setting_changed"))
    assert event.actor == "admin" and event.detail["changed"]["show_identity_external"] == [False, True]

    case = env.register()
    env.accept_and_assign(case)
    slip = documents(env, case)["assignment_slip"]
    assert slip.identity_shown is True
    # Now it names the complainant, so only those who may see the complainant get it as issued.
    masked = as_user("handler").get(f"/cases/{case.id}/documents/{slip.id}.pdf")
    assert masked.headers["X-Document-Copy"] == "masked" and "张三" not in pdf_text(masked)
    text = pdf_text(admin.get(f"/cases/{case.id}/documents/{slip.id}.pdf"))
    assert "张三" in text and "测试县生态环境局" in text

    too_long = admin.post("/admin/documents", {"bureau_name": "局" * 61})
    assert too_long.status_code == 200 and "不能超过" in too_long.get_data(as_text=True)


def test_a_document_that_cannot_be_rendered_is_reported_not_a_server_error(env, as_user):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    notice = documents(env, case)["acceptance_notice"]
    with env.db.write() as s:
        s.get(Document, notice.id).context = {"kind": "acceptance_notice"}  # a snapshot the template cannot fill
    intake = as_user("intake")
    response = intake.get(f"/cases/{case.id}/documents/{notice.id}.pdf")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{case.id}#h-documents")
    page = intake.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "文书生成失败" in page and "生成失败，请重试或联系管理员" in page
    with env.db.read() as s:
        row = s.get(Document, notice.id)
    assert row.status == "failed" and "UndefinedError" in row.error
