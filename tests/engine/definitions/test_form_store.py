"""Form versions in the database: resolution, caching, and refusals that protect deployed diagrams."""
import copy
import json

import pytest
from sqlalchemy import func, select

import forms
from engine.core.errors import AdminError, DeployError, FormInvalid, NotFound
from engine.definitions.deploy import deploy, shipped_files
from engine.definitions.form_store import (
    FormRefused,
    create_form,
    current_raw,
    form_history,
    form_names,
    get_form,
    save_form,
    starting_definition,
)
from engine.definitions.versions import validate_files
from engine.models.form_versions import FormVersion
from engine.work.tasks import complete_task


def shipped(name):
    return json.loads((forms.FORMS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def save(env, name, raw, comment="改", actor="admin"):
    with env.db.write() as s:
        return save_form(s, name, raw, actor, comment, env.clock.now())


def refusal(env, name, raw, store=save) -> FormRefused:
    """What refuses storing `raw` as form `name` (saving it, or `store=create`)."""
    with pytest.raises(FormRefused) as err:
        store(env, name, raw)
    return err.value


def refused_elements(env, name, raw) -> set[str]:
    """The diagram elements named by the refusal to save `raw`."""
    return {element for element, _message in refusal(env, name, raw).problems}


def drop_field(raw, name) -> None:
    """Take a field out of the form: its schema property and its place in the UI."""
    del raw["schema"]["properties"][name]
    raw["ui"]["order"].remove(name)
    del raw["ui"]["fields"][name]


def test_unedited_form_comes_from_the_shipped_file(env):
    with env.db.read() as s:
        assert get_form(s, "receive") is forms.load_form("receive")
        assert current_raw(s, "receive") == shipped("receive")
        assert form_history(s, "receive") == []
        assert "receive" in form_names(s) and "handle" in form_names(s)
    with env.db.write() as s:
        # Saving exactly the shipped content is no new version.
        assert save_form(s, "receive", shipped("receive"), "admin", None, env.clock.now()) == (None, False)


def test_saved_version_is_live_for_new_submissions_and_history_keeps_every_version(env):
    raw = shipped("feedback")
    raw["ui"]["fields"]["reply"]["label"] = {"zh_CN": "答复内容（新）", "en": "Reply (new)"}
    row, created = save(env, "feedback", raw, comment="改标签")
    assert created and (row.version, row.created_by, row.comment) == (1, "admin", "改标签")
    with env.db.read() as s:
        form = get_form(s, "feedback")
        assert form.label("reply", "zh_CN") == "答复内容（新）"
        assert get_form(s, "feedback") is form  # cached per (name, version)
    # Same content again: nothing new.
    assert save(env, "feedback", copy.deepcopy(raw))[1] is False

    raw2 = copy.deepcopy(raw)
    raw2["schema"]["properties"]["reply"]["maxLength"] = 20
    row2, created = save(env, "feedback", raw2, comment="限长")
    assert created and row2.version == 2
    with env.db.read() as s:
        assert [v.version for v in form_history(s, "feedback")] == [2, 1]
        assert get_form(s, "feedback").schema["properties"]["reply"]["maxLength"] == 20
        assert current_raw(s, "feedback") == raw2


def test_task_submission_is_validated_with_the_newest_version(env):
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    raw = shipped("assign")
    raw["schema"]["properties"]["note"] = {"type": "string", "minLength": 3}
    raw["schema"]["required"] = [*raw["schema"].get("required", []), "note"]
    raw["ui"]["order"].append("note")
    raw["ui"]["fields"]["note"] = {"label": {"zh_CN": "交办说明", "en": "Note"}, "widget": "textarea"}
    save(env, "assign", raw)
    task = env.task(case, "assign")
    with pytest.raises(FormInvalid) as err:
        env.run(complete_task, task.id, {"action": "assign", "department": "air"}, "tester")
    assert "note" in err.value.errors
    env.run(complete_task, task.id, {"action": "assign", "department": "air", "note": "请尽快"}, "tester")
    [done] = [e for e in env.audit(case, "task_completed") if e.detail["task"] == "assign"]
    assert done.detail["data"]["note"] == "请尽快"


def test_invalid_definition_is_refused_with_the_parser_message(env):
    raw = shipped("review")
    raw["ui"]["order"].append("ghost")
    assert "ghost" in str(refusal(env, "review", raw))
    assert "expected 'review'" in str(refusal(env, "review", {**shipped("review"), "name": "other"}))
    with env.db.read() as s:
        assert form_history(s, "review") == []


def test_unknown_form_name_is_refused(env):
    raw = shipped("review")
    raw["name"] = "brand_new"
    with pytest.raises(NotFound):
        save(env, "brand_new", raw)


def test_removing_a_field_a_gateway_reads_is_refused_naming_the_element(env):
    raw = shipped("receive")
    drop_field(raw, "decision")
    raw["schema"]["required"] = [r for r in raw["schema"].get("required", []) if r != "decision"]
    raw["schema"].pop("allOf", None)
    problems = refusal(env, "receive", raw).problems
    assert "gw_receive" in [el for el, _msg in problems]
    assert any("decision" in msg and "complaint v1" in msg for _el, msg in problems)
    with env.db.read() as s:
        assert form_history(s, "receive") == []


def test_removing_a_choice_the_diagram_compares_with_is_refused(env):
    raw = shipped("assign")
    enum = raw["schema"]["properties"]["action"]["enum"]
    assert "transfer" in enum
    raw["schema"]["properties"]["action"]["enum"] = [v for v in enum if v != "transfer"]
    del raw["ui"]["fields"]["action"]["choices"]["transfer"]
    raw["schema"].pop("allOf", None)
    [(element, message)] = refusal(env, "assign", raw).problems
    assert element == "gw_assign" and '"transfer"' in message


def test_removing_a_choice_nobody_reads_or_relabelling_one_is_allowed(env):
    raw = shipped("handle")
    raw["ui"]["fields"]["outcome"]["choices"]["return"] = {"zh_CN": "退回", "en": "Send back"}
    assert save(env, "handle", raw)[1] is True
    # "done" is the gateway's default flow: no condition names it, so it may go.
    raw = copy.deepcopy(raw)
    raw["schema"]["properties"]["outcome"]["enum"].remove("done")
    del raw["ui"]["fields"]["outcome"]["choices"]["done"]
    raw["schema"]["allOf"] = [c for c in raw["schema"]["allOf"]
                              if c["if"]["properties"]["outcome"]["const"] != "done"]
    assert save(env, "handle", raw)[1] is True


def test_turning_a_tested_boolean_into_text_is_refused(env):
    raw = shipped("review")
    raw["schema"]["properties"]["approved"] = {"type": "string", "enum": ["yes", "no"]}
    raw["ui"]["fields"]["approved"]["choices"] = {"yes": {"zh_CN": "同意", "en": "Yes"},
                                                  "no": {"zh_CN": "不同意", "en": "No"}}
    raw["schema"]["allOf"][0]["if"]["properties"]["approved"]["const"] = "no"
    # Names are matched diagram-wide: the extension gateway tests an `approved` too, and is named;
    # so is the handling task, whose context shows the review only when `approved is False`.
    assert refused_elements(env, "review", raw) == {"gw_review", "gw_extension", "handle"}


def test_removing_a_field_a_script_reads_is_refused(env):
    raw = shipped("review")
    drop_field(raw, "comment")
    raw["schema"].pop("allOf")
    assert "do_review_rejected" in refused_elements(env, "review", raw)


def test_form_no_deployed_diagram_uses_may_change_freely(env):
    raw = shipped("timer_test")
    first = raw["ui"]["order"][0]
    raw["ui"]["fields"][first]["label"] = {"zh_CN": "改名", "en": "Renamed"}
    assert save(env, "timer_test", raw)[1] is True


def test_save_based_on_an_older_version_is_refused(env):
    raw = shipped("review")
    raw["ui"]["fields"]["comment"]["label"] = {"zh_CN": "甲的修改", "en": "A"}
    with env.db.write() as s:
        save_form(s, "review", raw, "admin", None, env.clock.now(), base_version=0)
    theirs = shipped("review")
    theirs["ui"]["fields"]["comment"]["label"] = {"zh_CN": "乙的修改", "en": "B"}
    with pytest.raises(FormRefused) as err:
        with env.db.write() as s:
            save_form(s, "review", theirs, "admin2", None, env.clock.now(), base_version=0)
    assert "第 1 版" in str(err.value)
    with env.db.write() as s:
        row, created = save_form(s, "review", theirs, "admin2", None, env.clock.now(), base_version=1)
    assert created and row.version == 2


def test_case_history_shows_fields_in_the_newest_words(env):
    from engine.cases.read_model import form_fields

    raw = shipped("review")
    raw["ui"]["fields"]["approved"]["choices"]["true"] = {"zh_CN": "同意办结", "en": "Approve closure"}
    save(env, "review", raw)
    with env.db.read() as s:
        assert form_fields("review", {"approved": True}, "zh_CN", {}, s) == [("审核意见", "同意办结")]
    # Without a session (no database at hand) the shipped words are used.
    assert form_fields("review", {"approved": True}, "zh_CN", {}) == [("审核意见", "同意")]


# ---------------------------------------------------------------- new forms


def create(env, name, raw, actor="admin"):
    with env.db.write() as s:
        return create_form(s, name, raw, actor, "新建", env.clock.now())


def with_form(task_id, form):
    """The shipped complaint diagram with user task ``task_id`` naming ``form``."""
    bpmn, dmn = shipped_files()
    text = bpmn["complaint.bpmn"]
    old = f'<bpmn:userTask id="{task_id}" name="受理"><bpmn:extensionElements><spiffworkflow:properties>' \
          f'<spiffworkflow:property name="form" value="receive" />'
    assert text.count(old) == 1
    return {**bpmn, "complaint.bpmn": text.replace(old, old.replace('value="receive"', f'value="{form}"'))}, dmn


def receive_with_id_check(name):
    raw = shipped("receive")
    raw["name"] = name
    raw["title"] = {"zh_CN": "受理（核验身份）", "en": "Receive (identity checked)"}
    raw["schema"]["properties"]["id_checked"] = {"type": "boolean", "const": True}
    raw["schema"]["required"] = [*raw["schema"].get("required", []), "id_checked"]
    raw["ui"]["order"].append("id_checked")
    raw["ui"]["fields"]["id_checked"] = {"widget": "checkbox", "label": {"zh_CN": "已核验身份", "en": "Identity checked"}}
    return raw


def test_created_form_is_version_1_and_a_deployed_diagram_can_use_it(env):
    row = create(env, "receive_checked", receive_with_id_check("receive_checked"))
    assert (row.version, row.created_by, row.comment) == (1, "admin", "新建")
    with env.db.read() as s:
        assert "receive_checked" in form_names(s)
        assert [v.version for v in form_history(s, "receive_checked")] == [1]
        assert get_form(s, "receive_checked").title["en"] == "Receive (identity checked)"

    bpmn, dmn = with_form("receive", "receive_checked")
    with env.db.write() as s:
        definition, created = deploy(s, env.runtime, bpmn, dmn, deployed_by="admin")
    assert created and definition.version == 2

    case = env.register()
    task = env.task(case, "receive")
    assert task.form == "receive_checked"
    with pytest.raises(FormInvalid) as err:
        env.run(complete_task, task.id, {"decision": "accept"}, "tester")
    assert list(err.value.errors) == ["id_checked"]
    env.run(complete_task, task.id, {"decision": "accept", "id_checked": True}, "tester")
    assert env.task(case, "assign")

    # Edits of the new form are protected like any other: the receive gateway now reads it.
    raw = receive_with_id_check("receive_checked")
    raw["schema"]["properties"]["decision"]["enum"].remove("reject")
    del raw["ui"]["fields"]["decision"]["choices"]["reject"]
    raw["schema"].pop("allOf", None)
    assert "gw_receive" in refused_elements(env, "receive_checked", raw)


def test_deploy_naming_a_form_that_exists_nowhere_is_refused_naming_the_element(env):
    bpmn, dmn = with_form("receive", "never_created")
    with pytest.raises(DeployError) as err:
        with env.db.write() as s:
            deploy(s, env.runtime, bpmn, dmn, deployed_by="admin")
    assert any(el == "receive" and "never_created" in msg for el, msg in err.value.problems)
    # The editor's check (same session-aware resolution) agrees, before and after the form exists.
    with env.db.read() as s:
        assert [el for el, _ in validate_files(env.runtime, bpmn, dmn, session=s)] == ["receive"]
    create(env, "never_created", receive_with_id_check("never_created"))
    with env.db.read() as s:
        assert validate_files(env.runtime, bpmn, dmn, session=s) == []
    # Checked against the shipped files only (no session), it is still unknown.
    assert [el for el, _ in validate_files(env.runtime, bpmn, dmn)] == ["receive"]


@pytest.mark.parametrize("name, code", [
    ("", "form_name_missing"), ("A_form", "form_name_pattern"), ("1form", "form_name_pattern"),
    ("x", "form_name_pattern"), ("site-check", "form_name_pattern"), ("表单", "form_name_pattern"),
    ("a" * 64, "form_name_pattern"), ("review", "form_name_taken"),
])
def test_bad_or_taken_names_are_refused_on_the_name_field(env, name, code):
    with pytest.raises(AdminError) as err:
        create(env, name, {**shipped("review"), "name": name})
    assert err.value.codes("name") == [code]
    with env.db.read() as s:
        assert s.scalar(select(func.count()).select_from(FormVersion)) == 0


def test_a_name_created_once_is_taken_and_saves_go_through_the_editor(env):
    with env.db.write() as s:
        raw = starting_definition(s, "site_check", {"zh_CN": "现场核查", "en": "Site check"}, None)
    create(env, "site_check", raw)
    with pytest.raises(AdminError) as err:
        create(env, "site_check", raw)
    assert err.value.codes("name") == ["form_name_taken"]
    raw2 = copy.deepcopy(raw)
    raw2["ui"]["fields"]["note"]["label"] = {"zh_CN": "核查情况", "en": "Findings"}
    row, created = save(env, "site_check", raw2)
    assert created and row.version == 2


def test_starting_definition_is_blank_or_a_copy_and_reports_every_field(env):
    with env.db.read() as s:
        blank = starting_definition(s, "site_check", {"zh_CN": " 现场核查 ", "en": "Site check"}, None)
        assert blank["title"] == {"zh_CN": "现场核查", "en": "Site check"}
        form = forms.parse_definition("site_check", blank)
        assert form.fields == ["note"] and form.validate({}) == {}
        copied = starting_definition(s, "review_copy", {"zh_CN": "复核", "en": "Second review"}, "review")
        assert copied["schema"] == shipped("review")["schema"] and copied["name"] == "review_copy"
        with pytest.raises(AdminError) as err:
            starting_definition(s, "Bad", {"zh_CN": "", "en": " "}, "nope")
    assert {k: [p.code for p in v] for k, v in err.value.problems.items()} == {
        "name": ["form_name_pattern"], "title_zh": ["form_title_missing"], "title_en": ["form_title_missing"],
        "source": ["form_source_unknown"]}


def test_invalid_new_definition_is_refused_and_nothing_is_stored(env):
    raw = receive_with_id_check("receive_checked")
    raw["ui"]["order"].append("ghost")
    assert "ghost" in str(refusal(env, "receive_checked", raw, store=create))
    with env.db.read() as s:
        assert "receive_checked" not in form_names(s)


def test_removing_a_field_the_diagram_prefills_is_refused_naming_the_task(env):
    raw = shipped("assign")
    drop_field(raw, "transfer_to")
    raw["schema"]["allOf"][1]["then"]["required"].remove("transfer_to")
    problems = refusal(env, "assign", raw).problems
    # The transfer script reads it; the assignment task's prefill fills it in.
    assert {el for el, _ in problems} == {"do_transfer", "assign"}
    assert all("transfer_to" in message for _el, message in problems)
