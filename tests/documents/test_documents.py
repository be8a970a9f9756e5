"""Case documents: issued at the diagram's steps, rendered to PDF and read back as text."""
from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pypdf import PdfReader
from sqlalchemy import select, true

from documents.issue import issue_now, list_documents, regenerate
from documents.settings import DocumentSettings, save
from documents.storage import ensure_rendered, render_backlog
from engine.cases.attachments import check_uploads, store_attachments
from engine.core.errors import DeployError
from engine.definitions.deploy import deploy, shipped_files
from engine.models import AuditEvent, User
from engine.models.documents import Document

OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "documents"
NAME, PHONE = "张三", "13800000000"


@pytest.fixture
def dirs(tmp_path):
    return {"documents_dir": tmp_path / "documents", "attachments_dir": tmp_path / "attachments"}


def docs(env, case) -> dict[str, list[Document]]:
    with env.db.read() as s:
        rows = list_documents(s, case.id)
    found: dict[str, list[Document]] = {}
    for row in rows:
        found.setdefault(row.kind, []).append(row)
    return found


def text_of(env, dirs, row: Document) -> tuple[str, Document]:
    row = ensure_rendered(env.runtime, row.id, **dirs)
    path = dirs["documents_dir"] / row.stored_path
    reader = PdfReader(path)
    assert len(reader.pages) == row.pages
    return "\n".join(page.extract_text() for page in reader.pages), row


def flat(text: str) -> str:
    # Extracted text breaks lines where the PDF wrapped them.
    return re.sub(r"\s+", "", text)


def display_name(env, username: str) -> str:
    with env.db.read() as s:
        return s.scalar(select(User.display_name).where(User.username == username))


def run_full_loop(env, case):
    env.complete(case, "receive", {"decision": "accept"}, actor="intake")
    env.complete(case, "assign", {"action": "assign", "department": "air", "instructions": "请三日内现场核查"},
                 actor="intake")
    env.complete(case, "handle", {"outcome": "extension", "extension_days": 10,
                                  "extension_reason": "需委托第三方开展夜间监测"}, actor="handler")
    env.complete(case, "approve_extension", {"approved": True}, actor="lead")
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实，该厂夜间违规排放",
                                  "measures": "责令停产整改并立案处罚", "violation_found": True}, actor="handler")
    env.complete(case, "feedback", {"reply": "经核查，您反映的问题属实，我局已责令企业停产整改。",
                                    "contact_method": "phone"}, actor="handler")
    env.complete(case, "review", {"approved": True, "comment": "同意办结，材料齐全"}, actor="lead")
    env.complete(case, "follow_up", {"satisfaction": "satisfied"}, actor="intake")


def test_the_whole_loop_issues_each_document_at_its_step(env, dirs):
    case = env.register(description="每晚十点后有刺鼻气味，请尽快处理。联系人张三，电话13800000000。")
    run_full_loop(env, case)
    found = docs(env, case)
    assert {k: [d.element for d in v] for k, v in found.items()} == {
        "acceptance_notice": ["do_accept"], "assignment_slip": ["do_assign"], "extension_notice": ["do_grant"],
        "reply": ["stage_feedback"], "closure_report": ["do_close"], "case_file": ["do_finish"]}
    assert all(d.status == "pending" and d.version == 1 for v in found.values() for d in v)
    assert found["acceptance_notice"][0].number == "环受告〔2026〕第1号"
    assert found["assignment_slip"][0].number == "环交〔2026〕第1号"
    issued = env.audit(case, "document_issued")
    assert [e.detail["kind"] for e in issued] == ["acceptance_notice", "assignment_slip", "extension_notice",
                                                  "reply", "closure_report", "case_file"]
    number = env.case(case).number

    text, row = text_of(env, dirs, found["acceptance_notice"][0])
    body = flat(text)
    assert row.status == "rendered" and len(row.sha256) == 64 and row.pages == 1
    for expected in ("示范县生态环境局", "受理告知书", "环受告〔2026〕第1号", number, "2026年3月2日", NAME,
                     "符合受理条件", "60日内办结", env.case(case).tracking_code, "—1/1—"):
        assert expected in body, expected

    text, _ = text_of(env, dirs, found["assignment_slip"][0])
    body = flat(text)
    for expected in ("交办单", number, "大气环境科", "请三日内现场核查", "每晚十点后有刺鼻气味", "工厂夜间排放异味",
                     "投诉人信息已依规隐去"):
        assert expected in body, expected
    assert NAME not in body and PHONE not in body  # also where it was typed into the description

    body = flat(text_of(env, dirs, found["extension_notice"][0])[0])
    for expected in ("延期告知书", NAME, "延长10个工作日", "需委托第三方开展夜间监测", number):
        assert expected in body, expected

    body = flat(text_of(env, dirs, found["reply"][0])[0])
    for expected in ("答复意见书", NAME, "现场核查属实，该厂夜间违规排放", "责令停产整改并立案处罚",
                     "我局已责令企业停产整改", "30日内"):
        assert expected in body, expected

    body = flat(text_of(env, dirs, found["closure_report"][0])[0])
    lead = flat(display_name(env, "lead"))
    for expected in ("办结报告", "同意办结，材料齐全", "按时办结", f"审核人（科室负责人）{lead}", f"负责人签字：{lead}",
                     number):
        assert expected in body, expected

    text, row = text_of(env, dirs, found["case_file"][0])
    body = flat(text)
    assert row.pages > 5
    for expected in ("案卷", "环卷〔2026〕第1号", "办理过程", "进入「办理」阶段", "批准延期10个工作日",
                     "回访满意度：满意", "五、文书（5份）", "环受告〔2026〕第1号", "环交〔2026〕第1号",
                     "环延告〔2026〕第1号", "环复〔2026〕第1号", "环结〔2026〕第1号", "我局已责令企业停产整改"):
        assert expected in body, expected
    # Every document is reproduced inside the case file, each as it was issued.
    assert body.count("特此告知") >= 2 and "交办单" in body


def test_rejection_notice_gives_the_reason_and_the_complainants_options(env, dirs):
    case = env.register()
    env.complete(case, "receive", {"decision": "reject", "reason": "所反映问题不属于生态环境部门职责"}, actor="intake")
    [row] = docs(env, case)["rejection_notice"]
    body = flat(text_of(env, dirs, row)[0])
    for expected in ("不予受理告知书", "环不受告〔2026〕第1号", env.case(case).number, NAME,
                     "所反映问题不属于生态环境部门职责", "申请复查", "30日内"):
        assert expected in body, expected


def test_transfer_slip_names_the_agency_and_reason_but_not_the_complainant(env, dirs):
    case = env.register(category="air", subject_type="catering", description=f"投诉人{NAME}称楼下餐馆油烟扰民")
    env.complete(case, "receive", {"decision": "accept"})
    env.complete(case, "assign", {"action": "transfer", "transfer_to": "城市管理局",
                                  "transfer_reason": "餐饮油烟属城市管理部门职责"})
    [row] = docs(env, case)["transfer_slip"]
    assert row.identity_shown is False
    body = flat(text_of(env, dirs, row)[0])
    for expected in ("转办单", "城市管理局", "餐饮油烟属城市管理部门职责", env.case(case).number, "楼下餐馆油烟扰民"):
        assert expected in body, expected
    assert NAME not in body and PHONE not in body


def test_each_escalation_tier_issues_a_supervision_notice(env, dirs):
    from datetime import datetime, timezone

    env.clock.set(datetime(2026, 9, 30, 2, 0, tzinfo=timezone.utc))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    env.at("2026-09-30T16:00:01+00:00")
    env.at("2026-10-08T16:00:01+00:00")
    env.at("2026-10-13T16:00:01+00:00")
    env.at("2026-10-19T16:00:01+00:00")
    notices = docs(env, case)["supervision_notice"]
    assert [d.element for d in notices] == ["sup_escalate"] * 3
    assert [d.number for d in notices] == [f"环督〔2026〕第{n}号" for n in (1, 2, 3)]
    assert all(d.issued_by == "system" and not d.identity_shown for d in notices)
    expected = [("乡镇（街道）", "2026年10月13日24时"), ("县局督查科", "2026年10月19日24时"), ("局领导", None)]
    for row, (tier, deadline) in zip(notices, expected, strict=True):
        body = flat(text_of(env, dirs, row)[0])
        assert "督办单" in body and env.case(case).number in body
        assert f"升级至{tier}督办" in body
        assert "原办理期限2026年10月8日24时" in body  # overdue since the assignment limit
        assert "超期环节交办" in body
        assert NAME not in body and PHONE not in body
        if deadline:
            assert f"新的办理期限{deadline}" in body
        else:
            assert "已至最高督办层级" in body and "包案领导" in body
    # Escalated one second after the limit (rounded up to the hour); five days later for tier 3.
    assert "超期时长1小时" in flat(text_of(env, dirs, notices[0])[0])
    assert "超期时长5天" in flat(text_of(env, dirs, notices[1])[0])


def test_numbers_run_per_kind_and_year_and_regenerating_makes_a_new_version(env, dirs):
    first, second = env.register(), env.register()
    for case in (first, second):
        env.complete(case, "receive", {"decision": "accept"})
    numbers = [docs(env, c)["acceptance_notice"][0].number for c in (first, second)]
    assert numbers == ["环受告〔2026〕第1号", "环受告〔2026〕第2号"]

    original = docs(env, first)["acceptance_notice"][0]
    _, original = text_of(env, dirs, original)
    old_sha, old_path = original.sha256, original.stored_path
    env.clock.set(env.clock.now().replace(day=5))
    new = env.run(regenerate, first.id, original.id, actor="intake", scope=true())
    assert (new.number, new.version, new.status) == (original.number, 2, "pending")
    text, new = text_of(env, dirs, new)
    assert "（第2版）" in text and "2026年3月5日" in flat(text)
    with env.db.read() as s:
        again = s.get(Document, original.id)
    assert (again.sha256, again.stored_path, again.version) == (old_sha, old_path, 1)
    assert (dirs["documents_dir"] / old_path).is_file() and new.stored_path != old_path
    # A rendered version is never rendered again.
    assert ensure_rendered(env.runtime, original.id, **dirs).sha256 == old_sha

    by_hand = env.run(issue_now, first.id, "acceptance_notice", actor="intake", scope=true())
    assert by_hand.number == "环受告〔2026〕第3号" and by_hand.element is None


def test_administrator_may_allow_the_identity_on_external_documents(env, dirs):
    with env.db.write() as s:
        save(s, DocumentSettings(show_identity_external=True, bureau_name="测试县生态环境局"), actor="admin",
             now=env.runtime.now())
    case = env.register()
    env.accept_and_assign(case)
    [row] = docs(env, case)["assignment_slip"]
    assert row.identity_shown is True
    body = flat(text_of(env, dirs, row)[0])
    assert NAME in body and PHONE in body and "测试县生态环境局" in body
    with env.db.read() as s:
        changes = list(s.scalars(select(AuditEvent).where(AuditEvent.kind == "setting_changed")))
    assert [(e.actor, e.detail["changed"]["show_identity_external"]) for e in changes] == [("admin", [False, True])]


def _photo(seed: int) -> bytes:
    rng = random.Random(seed)
    img = PILImage.new("RGB", (1600, 1200), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(20):
        x, y = rng.randrange(1500), rng.randrange(1100)
        img.paste((rng.randrange(256), 0, 0), (x, y, x + 100, y + 100))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def test_hostile_case_renders_safely_and_completely(env, dirs):
    hostile = ('<script>alert("x")</script><img src="file:///etc/passwd">'
               '<link rel="stylesheet" href="http://example.invalid/x.css">')
    long_tail = "".join(f"第{n}段：夜间异味持续，居民无法入睡。" for n in range(1, 1200))[:20000 - len(hostile) - 6]
    description = hostile + long_tail + "【全文结束】"
    assert len(description) == 20000
    case = env.register(title="<b>加粗</b>标题", description=description)
    photos = [(f"现场照片{n}.jpg", _photo(n)) for n in range(30)]
    env.run(store_attachments, case.id, check_uploads(photos), root=dirs["attachments_dir"], actor="intake")
    run_full_loop(env, case)
    [row] = docs(env, case)["case_file"]
    assert len(row.context["photos"]) == 30
    text, row = text_of(env, dirs, row)
    body = flat(text)
    assert '<script>alert("x")</script>' in body and "<b>加粗</b>标题" in body  # shown as text, not markup
    assert "【全文结束】" in body and "第1199段" not in body and "第100段" in body
    assert "现场照片29.jpg" in body
    reader = PdfReader(dirs["documents_dir"] / row.stored_path)
    # WeasyPrint shares one resource dictionary between pages: count distinct image objects.
    images = {obj.indirect_reference.idnum for obj in reader.pages[0]["/Resources"]["/XObject"].values()
              if obj.get_object()["/Subtype"] == "/Image"}
    assert len(images) == 30
    # The acceptance notice carries the whole description too, wrapped over several pages.
    notice_text, notice = text_of(env, dirs, docs(env, case)["acceptance_notice"][0])
    assert notice.pages > 3 and "【全文结束】" in flat(notice_text)
    _look(dirs["documents_dir"] / row.stored_path, "hostile_case_file")


def test_worker_renders_pending_documents_newest_first_in_bounded_batches(env, dirs):
    case = env.register()
    run_full_loop(env, case)
    assert render_backlog(env.runtime, limit=2, **dirs) == 2
    with env.db.read() as s:
        rows = list(s.scalars(select(Document).order_by(Document.id)))
    assert [r.status for r in rows] == ["pending"] * 4 + ["rendered"] * 2
    assert render_backlog(env.runtime, limit=10, **dirs) == 4
    assert render_backlog(env.runtime, limit=10, **dirs) == 0


def test_deploy_refuses_an_unknown_document_kind_naming_the_element(env):
    bpmn, dmn = shipped_files()
    broken = {name: xml.replace('name="document" value="assignment_slip"', 'name="document" value="assignment_slip, memo"')
              for name, xml in bpmn.items()}
    with env.db.write() as s, pytest.raises(DeployError) as err:
        deploy(s, env.runtime, broken, dmn)
    assert any(element == "do_assign" and "memo" in message for element, message in err.value.problems)


def test_documents_render_to_png_for_a_person_to_look_at(env, dirs):
    case = env.register()
    run_full_loop(env, case)
    found = docs(env, case)
    for kind in ("acceptance_notice", "case_file"):
        row = ensure_rendered(env.runtime, found[kind][0].id, **dirs)
        pages = _look(dirs["documents_dir"] / row.stored_path, kind)
        assert len(pages) == row.pages


def _look(pdf: Path, name: str) -> list[Path]:
    """PNG pages under test-output/documents/ (pdftoppm -r 70), to be looked at."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is not installed")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for old in OUTPUT.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(pdf), str(OUTPUT / name)], check=True)
    return sorted(OUTPUT.glob(f"{name}-*.png"))


def test_the_job_loop_renders_pending_documents_into_the_data_dir(env, tmp_path, monkeypatch):
    from engine.jobs.worker import JobWorker

    monkeypatch.setenv("GREENLOOP_DATA_DIR", str(tmp_path / "data"))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    JobWorker(env.runtime).run_once()
    [row] = docs(env, case)["acceptance_notice"]
    assert row.status == "rendered"
    assert (tmp_path / "data" / "documents" / row.stored_path).is_file()


def test_a_document_that_cannot_be_issued_does_not_stop_the_case(env):
    from engine.models.documents import Setting

    with env.db.write() as s:  # a settings row damaged by hand: issuing cannot read it
        s.add(Setting(key="documents", value=["damaged"], updated_by="dba", updated_at=env.runtime.now()))
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    assert [t.spec for t in env.ready(case)] == ["assign"] and env.case(case).status == "accepted"
    assert "acceptance_notice" not in docs(env, case)
    [failed] = env.audit(case, "document_failed")
    assert failed.detail["element"] == "do_accept" and failed.detail["document"] == "acceptance_notice"
    assert "AttributeError" in failed.detail["error"]


def test_each_step_issues_its_own_documents_once_even_when_the_wall_clock_goes_back(env, monkeypatch):
    """SpiffWorkflow stamps task states with the wall clock; a step's documents are those of the
    tasks it completed (engine/core/runtime.StepOutcome.finished), not of the tasks stamped since
    it began: with the machine's clock set back an hour between two steps (NTP, a VM restored), the
    earlier step's documents are not issued again and the later step's are issued once."""
    import time as time_module

    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    real = time_module.time
    monkeypatch.setattr(time_module, "time", lambda: real() - 3600)
    env.complete(case, "assign", {"action": "assign", "department": "air"})
    issued = docs(env, case)
    assert [len(issued["acceptance_notice"]), len(issued["assignment_slip"])] == [1, 1]
    with env.db.read() as s:
        kinds = [e.detail["kind"] for e in s.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.kind == "document_issued").order_by(AuditEvent.id))]
    assert kinds == ["acceptance_notice", "assignment_slip"]
