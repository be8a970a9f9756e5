"""The vocabulary: a word for every stored code, one sentence table for every audience, and a
package the whole engine can import (it sits below everything but the models)."""
import ast
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine import models
from engine.vocabulary import events, words

PACKAGE = Path(events.__file__).parent


@pytest.mark.parametrize(("table", "codes"), [
    (words.STAGES, models.STAGES), (words.CHANNELS, models.CHANNELS), (words.CATEGORIES, models.CATEGORIES),
    (words.SUBJECT_TYPES, models.SUBJECT_TYPES), (words.STATUSES, models.STATUSES), (words.COLOURS, models.COLOURS),
    (words.TIERS, models.TIERS), (words.ROLES, models.ROLES), (words.GRID_LEVELS, models.GRID_LEVELS),
])
def test_every_stored_code_has_exactly_one_word(table, codes):
    assert set(table) == set(codes)


def test_the_package_imports_only_the_models_and_the_standard_library():
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or name.startswith(("engine.models", "engine.vocabulary")), \
                    f"{path.name} imports {name}"


def test_each_audience_gets_its_own_wording_from_the_one_entry():
    detail = {"department": "air", "department_name": "大气环境科", "joint": ["water"], "joint_names": ["水环境科"],
              "tier": 2}
    assert events.render("assigned", detail=detail) == "交办至 大气环境科，联合办理：水环境科（督办层级：乡镇（街道））"
    assert events.render("assigned", events.PUBLIC, detail={"department": "大气环境科", "joint": ["水环境科"]}) == \
        "已交办：大气环境科，联合办理：水环境科"
    started = {"definition": "complaint", "version": 3}
    assert events.render("process_started", detail=started) == "登记案件，启动办理流程（complaint 第 3 版）"
    assert events.render("process_started", events.DOCUMENT, detail=started) == "登记案件，启动办理流程"


def test_the_public_is_told_only_what_the_table_words_for_it():
    assert events.told("review_rejected") is None and events.told("escalated") is None
    assert events.render("review_rejected", events.PUBLIC, detail={"comment": "证据不足"}) is None
    assert events.told("status", "rejected").name == "rejected" and events.told("status", "closed") is None
    assert events.told("stage_entered", "handle").name == "handling" and events.told("stage_entered", "review") is None
    # A complainant's own rating and a staff member's phone follow-up read differently.
    assert events.render("satisfaction", events.PUBLIC, detail={"value": "satisfied"}, variant="public") == "您的评价：满意"
    assert events.render("satisfaction", events.PUBLIC, detail={"value": "satisfied"}, variant="intake") == \
        "回访评价：满意"
    # The staff comment clause is not part of what the public is told.
    assert events.render("reopened", events.PUBLIC, detail={"comment": "内部"}) == "对答复不满意，重新办理"


def test_documents_leave_bookkeeping_out_and_write_times_their_own_way():
    due = datetime(2026, 3, 5, 16, 0, tzinfo=timezone.utc)
    assert events.render("task_ready", events.DOCUMENT, detail={"group": "intake", "due": due}) is None
    assert events.render("task_ready", detail={"group": "intake", "due": due}, task="受理", time=lambda t: "T") == \
        "生成待办「受理」，由受理员办理，期限 T"
    assert events.render("stage_warning", events.DOCUMENT, detail={"due": due}, stage="handle",
                         time=lambda t: t.strftime("%m月%d日")) == "「办理」阶段临近期限，黄色预警（期限 03月05日）"


def test_sentences_are_translated_and_filled_in_as_plain_text():
    english = {"转办至 %(agency)s，理由：%(reason)s": "Transferred to %(agency)s: %(reason)s"}.get
    text = events.render("transferred", translate=lambda s: english(s) or s,
                         detail={"agency": "<b>城管</b>", "reason": "100%"})
    assert text == "Transferred to <b>城管</b>: 100%" and type(text) is str  # the template escapes it
    assert events.render("transferred", detail={"agency": "城管局"}) == "转办至 城管局，理由：—"
    assert events.render("closed", detail={"on_time": False}) == "案件办结（超期）"
    assert events.render("some_new_kind") == "some_new_kind"
    assert events.title("escalated") == "超期升级督办" and events.title("supervised") == "督办"
