"""The ledger as PDF: its text read back with pypdf (CJK font present, rows in their words), the
cap and its note, and every value escaped (tests/security/test_ledger_injection.py tries markup)."""
from __future__ import annotations

import io
from datetime import datetime, timezone

from pypdf import PdfReader

from engine.ledger.filters import LedgerFilters
from engine.ledger.pdf import write_ledger_pdf
from engine.ledger.rows import LedgerScope
from tests.engine.ledger.conftest import MARCH

TZ = "Asia/Shanghai"
NOW = datetime(2026, 4, 2, 2, tzinfo=timezone.utc)


def pdf_text(env, filters=LedgerFilters(), cap=None) -> tuple[str, int]:
    out = io.BytesIO()
    with env.db.read() as s:
        kwargs = {"cap": cap} if cap is not None else {}
        listed = write_ledger_pdf(s, MARCH, filters, LedgerScope.everything(sees_identity=True), out, tz=TZ,
                                  generated_at=NOW, **kwargs)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    # Cells wrap inside narrow columns: compare without the line breaks and spaces.
    return "".join("".join(page.extract_text().split()) for page in reader.pages), listed


def test_the_pdf_lists_the_rows_in_words(env, ledger_cases):
    text, listed = pdf_text(env)
    assert listed == 6
    assert "四色台账" in text and "2026-03-01至2026-03-31" in text
    for expected in ("化工厂夜间排放异味", "红色 超期", "黄色 预警", "绿色 办结", "蓝色 在办", "城关镇", "大气环境科",
                     "分管局领导 郑国华", "案件编号", "包案领导"):
        assert "".join(expected.split()) in text, expected
    assert "四月的案件" not in text
    assert "仅列" not in text


def test_a_large_period_is_capped_with_a_note(env, ledger_cases):
    text, listed = pdf_text(env, cap=2)
    assert listed == 2
    assert "本期间共6件，PDF仅列最新登记的2件；完整台账请导出Excel。" in text
    assert "固废堆放" in text  # the newest
    assert "化工厂夜间排放异味" not in text  # the oldest, left out
