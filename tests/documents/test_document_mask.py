"""Masked copies (脱敏副本) of documents naming the complainant, for people who may not see them."""
from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from documents.mask import masked_pdf
from documents.storage import ensure_rendered
from engine.cases.masking import mask_name, mask_phone
from engine.models.documents import Document
from tests.documents.test_documents import NAME, PHONE, _look, docs, flat, run_full_loop

MARKER = "脱敏副本·不作正式文书使用"


@pytest.fixture
def dirs(tmp_path):
    return {"documents_dir": tmp_path / "documents", "attachments_dir": tmp_path / "attachments"}


def pages_text(path) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(path).pages]


def full_loop_with_the_name_typed_in(env):
    # The complainant's name and phone typed into free text too.
    case = env.register(description=f"每晚十点后有刺鼻气味。联系人{NAME}，电话{PHONE}。")
    run_full_loop(env, case)
    return case


def masked_path(runtime, document_id: int, dirs) -> Path:
    """The masked copy as a file of the test's documents folder (masked_pdf answers a store key)."""
    return dirs["documents_dir"] / masked_pdf(runtime, document_id, **dirs)


def test_masked_closure_report_hides_the_complainant_everywhere_and_says_what_it_is(env, dirs):
    case = full_loop_with_the_name_typed_in(env)
    row = docs(env, case)["closure_report"][0]
    assert row.identity_shown is True
    official = ensure_rendered(env.runtime, row.id, **dirs)
    official_path = dirs["documents_dir"] / official.stored_path
    before = official_path.read_bytes()
    official_text = "".join(pages_text(official_path))
    assert NAME in official_text and MARKER not in official_text and "（盖章）" in official_text

    path = masked_path(env.runtime, row.id, dirs)
    pages = pages_text(path)
    text = "".join(pages)
    number = env.case(case).number
    for expected in (number, "办结报告", "现场核查属实，该厂夜间违规排放", "同意办结，材料齐全",
                     "（脱敏副本，无印章）", "投诉人姓名、联系电话已按规定隐去", mask_name(NAME), mask_phone(PHONE)):
        assert expected in text, expected
    assert NAME not in text and PHONE not in text and "（盖章）" not in text
    assert all(MARKER in page for page in pages)  # the margin marker is on every page

    # The copy lives next to the official PDF and changed nothing about it.
    assert path.parent == official_path.parent and path != official_path
    assert official_path.read_bytes() == before
    with env.db.read() as s:
        again = s.get(Document, row.id)
    assert (again.stored_path, again.sha256, again.size, again.pages, again.version) == \
        (official.stored_path, official.sha256, official.size, official.pages, official.version)
    assert again.sha256 == hashlib.sha256(before).hexdigest()

    # Cached: the second request serves the same file without rendering it again.
    stamp = path.stat().st_mtime_ns
    assert masked_path(env.runtime, row.id, dirs) == path and path.stat().st_mtime_ns == stamp


def test_masked_case_file_masks_the_embedded_documents_too(env, dirs):
    case = full_loop_with_the_name_typed_in(env)
    row = docs(env, case)["case_file"][0]
    path = masked_path(env.runtime, row.id, dirs)
    pages = pages_text(path)
    text = "".join(pages)
    assert len(pages) > 5 and all(MARKER in page for page in pages)
    for expected in ("环受告〔2026〕第1号", "环复〔2026〕第1号", "我局已责令企业停产整改", "受理告知书", "答复意见书",
                     mask_name(NAME)):
        assert expected in text, expected
    assert NAME not in text and PHONE not in text and "（盖章）" not in text
    # The embedded reply and acceptance notice address the complainant by the masked name.
    assert text.count(f"{mask_name(NAME)}：") >= 2
    assert not list(dirs["documents_dir"].glob(f"{case.id}/case_file-*.pdf"))  # the official one was not needed


def test_a_new_snapshot_gets_a_new_copy_and_the_stale_one_goes(env, dirs):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"}, actor="intake")
    notice = docs(env, case)["acceptance_notice"][0]
    first = masked_path(env.runtime, notice.id, dirs)
    # Snapshots are not edited in place by the product; changing one here stands for anything the
    # copy is made from (snapshot, identity, masking format): the cached copy must not be served stale.
    with env.db.write() as s:
        row = s.get(Document, notice.id)
        row.context = dict(row.context, bureau="另一个县生态环境局")
    second = masked_path(env.runtime, notice.id, dirs)
    assert second != first and second.is_file() and not first.exists()
    assert "另一个县生态环境局" in "".join(pages_text(second))


def test_masked_copy_render_time_and_a_page_to_look_at(env, dirs):
    case = full_loop_with_the_name_typed_in(env)
    found = docs(env, case)
    timings = {}
    for kind in ("closure_report", "case_file"):
        start = time.perf_counter()
        path = masked_path(env.runtime, found[kind][0].id, dirs)
        timings[kind] = time.perf_counter() - start
        start = time.perf_counter()
        masked_path(env.runtime, found[kind][0].id, dirs)
        timings[kind + " (cached)"] = time.perf_counter() - start
        assert len(_look(path, f"masked-{kind}")) == len(PdfReader(path).pages)
    print("masked copy timings:", {k: f"{v * 1000:.0f} ms" for k, v in timings.items()})
    assert timings["closure_report (cached)"] < timings["closure_report"]
