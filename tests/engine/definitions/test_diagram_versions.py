"""Drafts, deploying them as versions, history with what changed, and rolling back."""
from datetime import datetime, timezone

import pytest

from engine.core.errors import DeployError
from engine.definitions.deploy import latest_definition, shipped_files
from engine.definitions.drafts import (
    DraftConflict,
    StaleDraft,
    deploy_draft,
    discard_draft,
    open_working,
    save_draft,
)
from engine.definitions.versions import diff, diff_versions, history, rollback, validate_files

SLOWER = ("deadline(handle_from, 60 + extended_days, 48)", "deadline(handle_from, 45 + extended_days, 48)")


def _files(bpmn_edit=None):
    bpmn, dmn = shipped_files()
    if bpmn_edit:
        bpmn = {"complaint.bpmn": bpmn_edit(bpmn["complaint.bpmn"])}
    return bpmn, dmn


def _save(env, bpmn, dmn, revision, actor="admin"):
    with env.db.write() as s:
        return save_draft(s, "complaint", bpmn, dmn, revision=revision, actor=actor, now=env.clock.now()).revision


def _deploy(env, revision, comment="改办理时限"):
    with env.db.write() as s:
        definition, created = deploy_draft(s, env.runtime, "complaint", revision=revision, actor="admin",
                                           comment=comment)
        return definition.version, created


def test_editor_opens_the_newest_version_until_a_draft_is_saved(env):
    with env.db.read() as s:
        working = open_working(s, "complaint")
    assert (working.revision, working.base.version, working.draft) == (0, 1, None)
    bpmn, dmn = _files(lambda t: t.replace(*SLOWER))
    assert _save(env, bpmn, dmn, 0) == 1
    with env.db.read() as s:
        working = open_working(s, "complaint")
    assert working.revision == 1 and SLOWER[1] in working.bpmn_files["complaint.bpmn"]


def test_second_admin_saving_over_a_newer_draft_is_told_who_saved(env):
    bpmn, dmn = _files(lambda t: t.replace(*SLOWER))
    assert _save(env, bpmn, dmn, 0, actor="admin") == 1
    # Another administrator opened the editor before that save (revision 0) and saves now.
    with pytest.raises(DraftConflict) as err:
        _save(env, *_files(), 0, actor="admin2")
    assert "admin" in str(err.value) and err.value.revision == 1
    with env.db.read() as s:
        assert SLOWER[1] in open_working(s, "complaint").bpmn_files["complaint.bpmn"]  # nothing lost


def test_broken_draft_is_refused_naming_the_element_and_kept(env):
    bpmn, dmn = _files(lambda t: t.replace('name="form" value="review"', 'name="form" value="no_such_form"', 1))
    assert any(el == "review" and "no_such_form" in msg for el, msg in validate_files(env.runtime, bpmn, dmn))
    revision = _save(env, bpmn, dmn, 0)
    with pytest.raises(DeployError) as err:
        _deploy(env, revision)
    assert [el for el, _ in err.value.problems] == ["review"]
    with env.db.read() as s:
        assert latest_definition(s).version == 1
        assert open_working(s, "complaint").draft is not None


def test_deploy_history_diff_and_rollback(env):
    bpmn, dmn = _files(lambda t: t.replace(*SLOWER).replace('name="form" value="feedback"',
                                                            'name="form" value="handle"', 1))
    revision = _save(env, bpmn, dmn, 0)
    env.clock.set(datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc))
    assert _deploy(env, revision, "办理时限改为45个工作日") == (2, True)
    with env.db.read() as s:
        assert open_working(s, "complaint").draft is None
        rows = history(s, "complaint")
        assert [(r.definition.version, r.definition.deployed_by, r.definition.comment, r.is_latest) for r in rows] == [
            (2, "admin", "办理时限改为45个工作日", True), (1, None, "随系统发布的流程 (shipped diagrams)", False)]
        assert rows[0].definition.deployed_at == datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)
        changes = {c.id: c for c in diff_versions(s, "complaint", 1, 2)}
    assert set(changes) == {"stage_handle_deadline", "feedback"}
    assert changes["stage_handle_deadline"].fields == [("timer timeDate", SLOWER[0], SLOWER[1])]
    assert changes["feedback"].fields == [("property form", "feedback", "handle")]
    assert changes["feedback"].name == "答复投诉人"

    with env.db.write() as s:
        definition = rollback(s, env.runtime, "complaint", 1, actor="admin", comment="改错了")
    assert definition.version == 3 and "回退到第 1 版" in definition.comment and "改错了" in definition.comment
    with env.db.read() as s:
        assert diff_versions(s, "complaint", 1, 3) == []
        assert {c.id for c in diff_versions(s, "complaint", 2, 3)} == {"stage_handle_deadline", "feedback"}


def test_diff_lists_added_and_removed_elements_and_rule_changes(env):
    dmn_text = shipped_files()[1]["routing.dmn"].replace(
        '<outputEntry id="rule_02_out2"><text>"police"</text>', '<outputEntry id="rule_02_out2"><text>"urban_management"</text>', 1)
    bpmn_text = shipped_files()[0]["complaint.bpmn"].replace(
        '<bpmn:sequenceFlow id="f_gw_follow_up__do_finish"', '<bpmn:sequenceFlow id="f_gw_follow_up__do_finish2"', 1)
    changes = diff(shipped_files(), ({"complaint.bpmn": bpmn_text}, {"routing.dmn": dmn_text}))
    kinds = {(c.kind, c.id) for c in changes}
    assert ("added", "f_gw_follow_up__do_finish2") in kinds and ("removed", "f_gw_follow_up__do_finish") in kinds
    rule = next(c for c in changes if c.id == "rule_02")
    assert rule.kind == "changed" and rule.fields[0][0] == "then" and "urban_management" in rule.fields[0][2]


def test_draft_started_before_a_rollback_cannot_overwrite_it(env):
    revision = _save(env, *_files(lambda t: t.replace(*SLOWER)), 0)
    with env.db.write() as s:
        from engine.definitions.deploy import deploy
        deploy(s, env.runtime, *_files(lambda t: t.replace("deadline(stage_start, 5, 24)", "deadline(stage_start, 6, 24)")),
               deployed_by="admin2", comment="v2")
    with pytest.raises(StaleDraft):
        _deploy(env, revision)
    with env.db.write() as s:
        assert discard_draft(s, "complaint")
