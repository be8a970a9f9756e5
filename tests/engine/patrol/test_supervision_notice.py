"""A missed patrol that escalates issues a supervision notice (督办单) through the same documents
pipeline as a case's escalation: the same kind and number series, a snapshot, a CJK PDF."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from documents.storage import ensure_rendered
from engine.models import AuditEvent
from engine.models.documents import Document
from engine.timers.fire import fire_due
from tests.engine.patrol.conftest import patrols, set_clock, start


@pytest.fixture
def dirs(tmp_path):
    return {"documents_dir": tmp_path / "documents", "attachments_dir": tmp_path / "attachments"}


def test_a_missed_patrol_escalating_issues_a_supervision_notice_with_its_pdf(env, point, dirs):
    start(env)
    set_clock(env, "2026-04-03T00:00:01+08:00")
    fire_due(env.runtime)  # yellow: no notice yet
    with env.db.read() as s:
        assert s.scalars(select(Document)).all() == []
    set_clock(env, "2026-04-04T00:00:01+08:00")
    fire_due(env.runtime)  # the day ended: red, one tier up, and the notice
    [patrol] = patrols(env)
    with env.db.read() as s:
        [notice] = s.scalars(select(Document)).all()
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.kind == "document_issued")).all()
    assert (notice.kind, notice.case_id, notice.patrol_id, notice.element) == (
        "supervision_notice", None, patrol.id, "pt_escalate")
    assert notice.number == "环督〔2026〕第1号"  # the 督办单 series cases use
    assert event.detail["patrol_id"] == patrol.id and event.case_id is None
    context = notice.context
    assert context["patrol"]["point"] == "城关镇玻璃厂" and context["supervision"]["to_tier"] == "乡镇（街道）"
    assert context["patrol"]["due"] == "2026年4月3日24时"

    rendered = ensure_rendered(env.runtime, notice.id, **dirs)
    assert rendered.status == "rendered" and rendered.stored_path.startswith(f"patrol-{patrol.id}/")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        (dirs["documents_dir"] / rendered.stored_path).read_bytes())).pages)
    assert "督办单" in text and "城关镇玻璃厂" in text and "漏巡" in text

    # The next missed patrol escalating draws the next number of the series.
    for moment in ("2026-04-07T08:00:00+08:00", "2026-04-09T00:00:01+08:00"):  # after Qingming
        set_clock(env, moment)
        start(env)
        fire_due(env.runtime)
    with env.db.read() as s:
        numbers = sorted(s.scalars(select(Document.number).where(Document.kind == "supervision_notice")).all())
    assert numbers[:2] == ["环督〔2026〕第1号", "环督〔2026〕第2号"]
