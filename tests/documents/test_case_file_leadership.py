"""The case file (案卷) records the owning leader's checks, meetings and visits and the flags in a
section of its own, read back from the real PDF; typed markup prints as text."""
from __future__ import annotations

import pytest

from documents.issue import issue_now
from engine.leadership import flags, records
from engine.org.scopes import case_scope, flag_scope, leader_case_scope
from tests.documents.test_documents import docs, flat, text_of
from tests.engine.leadership.conftest import own, staff, user_id


@pytest.fixture
def dirs(tmp_path):
    return {"documents_dir": tmp_path / "documents", "attachments_dir": tmp_path / "attachments"}


def test_the_case_file_has_the_leaders_section(env, dirs):
    case = env.register()
    env.accept_and_assign(case)
    own(env, case)
    leader = staff(env, "leader")
    scope = leader_case_scope(leader)
    env.run(records.record_check, case.id, actor="leader", scope=scope, held_on="2026-03-02",
            decisions="要求<script>alert(1)</script>三日内完成监测", next_check="2026-03-09")
    env.run(records.record_meeting, case.id, actor="leader", scope=scope, held_on="2026-03-02",
            attendee_ids=[user_id(env, "supervisor")], outside="村委会主任王五", decisions="联合执法限期整改",
            follow_ups=[records.FollowUpItem("现场执法检查", "enforcement", user_id(env, "handler2"), 3)])
    env.run(records.record_visit, case.id, actor="leader", scope=scope, held_on="2026-03-02", place="张家村村委会",
            visitors="郑国华", heard="夜间气味仍然很重", outcome="承诺安装在线监测")
    env.run(flags.set_flag, case.id, "key", actor="supervisor", reason="群众反映强烈",
            scope=flag_scope(staff(env, "supervisor")))
    admin = staff(env, "admin")
    env.run(issue_now, case.id, "case_file", actor="admin", scope=case_scope(admin))
    [row] = docs(env, case)["case_file"]
    body = flat(text_of(env, dirs, row)[0])
    for expected in ("六、领导包案", "包案领导分管局领导郑国华", "重点（督查科吴刚", "群众反映强烈",
                     "调度（1次）", "要求<script>alert(1)</script>三日内完成监测", "2026年3月9日",
                     "会商（1次）", "督查科吴刚、村委会主任王五", "联合执法限期整改",
                     "现场执法检查（生态环境保护综合行政执法大队，执法大队赵磊；3个工作日，2026年3月5日24时前）",
                     "带案下访（1次）", "张家村村委会", "夜间气味仍然很重", "承诺安装在线监测"):
        assert expected in body, expected
    # The timeline (办理过程) has the events in their document wording, not the bookkeeping.
    assert "包案领导调度（2026-03-02）" in body and "启动流程" not in body


def test_a_case_without_a_leader_has_no_such_section(env, dirs):
    case = env.register()
    admin = staff(env, "admin")
    env.run(issue_now, case.id, "case_file", actor="admin", scope=case_scope(admin))
    [row] = docs(env, case)["case_file"]
    assert "领导包案" not in flat(text_of(env, dirs, row)[0])
