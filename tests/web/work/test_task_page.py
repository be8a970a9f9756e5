"""The task page: case summary, every form of the complaint process, submission, drafts, conflicts."""
from __future__ import annotations

import html as htmlmod
import re

import pytest
from sqlalchemy import func, select

import forms
from engine.models import Department, TaskDraft

PROCESS_FORMS = ["receive", "assign", "handle", "approve_extension", "feedback", "review", "follow_up",
                 "supervise", "joint_handle", "follow_up_review", "review_return"]


def _done_to_follow_up(env, case):
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    env.complete(case, "feedback", {"reply": "已处理", "contact_method": "phone"})
    env.complete(case, "review", {"approved": True})


def reach(env, form: str):
    """A ready task with this form, and a person who may work it."""
    case = env.register()
    if form == "receive":
        return env.task(case, "receive"), "intake"
    if form == "supervise":
        env.complete(case, "receive", {"decision": "accept"})
        env.at("2026-03-03T16:00:01+00:00")  # the assignment limit passes: town tier supervises
        return env.task(case, "supervise"), "town"
    env.complete(case, "receive", {"decision": "accept"})
    if form == "assign":
        return env.task(case, "assign"), "intake"
    if form == "joint_handle":
        env.complete(case, "assign", {"action": "assign", "department": "enforcement", "joint_departments": ["air"]})
        return env.task(case, "joint_handle"), "handler"
    env.complete(case, "assign", {"action": "assign", "department": "air"})
    if form == "handle":
        return env.task(case, "handle"), "handler"
    if form == "review_return":
        env.complete(case, "handle", {"outcome": "return", "return_reason": "不属于本科室职责"})
        return env.task(case, "review_return"), "intake"
    if form == "approve_extension":
        env.complete(case, "handle", {"outcome": "extension", "extension_days": 10, "extension_reason": "等待监测报告"})
        return env.task(case, "approve_extension"), "lead"
    env.complete(case, "handle", {"outcome": "done", "findings": "现场核查属实，已责令整改"})
    if form == "feedback":
        return env.task(case, "feedback"), "handler"
    env.complete(case, "feedback", {"reply": "已处理并电话告知", "contact_method": "phone"})
    if form == "review":
        return env.task(case, "review"), "lead"
    env.complete(case, "review", {"approved": True})
    if form == "follow_up":
        return env.task(case, "follow_up"), "intake"
    env.complete(case, "follow_up", {"satisfaction": "unsatisfied", "comment": "仍有气味"})
    _done_to_follow_up(env, case)
    env.complete(case, "follow_up", {"satisfaction": "unsatisfied", "comment": "还是不满意"})
    return env.task(case, "follow_up_review"), "supervisor"


def field_html(html: str, name: str) -> str:
    """The markup of one form field (its wrapper div)."""
    match = re.search(rf'<div class="field[^"]*" data-field="{name}">(.*?)\n</div>', html, re.S)
    assert match, f"no field {name}"
    return match.group(1)


def ready_specs(env, case_id) -> list[str]:
    return [t.spec for t in env.ready(case_id)]


@pytest.mark.parametrize("form_name", PROCESS_FORMS)
def test_every_form_of_the_process_renders_with_its_chinese_labels(env, as_user, form_name):
    task, username = reach(env, form_name)
    assert task.form == form_name
    response = as_user(username).get(f"/tasks/{task.id}")
    assert response.status_code == 200
    html = htmlmod.unescape(response.get_data(as_text=True))
    form = forms.load_form(form_name)
    assert form.title["zh_CN"] in html
    for name in form.fields:
        assert form.label(name) in html, name
        assert f'name="{name}"' in html, name
        for value, label in form.ui["fields"][name].get("choices", {}).items():
            assert label["zh_CN"] in field_html(html, name), (name, value)
    assert 'name="csrf_token"' in html and "保存草稿" in html
    assert env.case(task.case_id).number in html


def test_widgets_match_the_definitions(env, as_user):
    receive, _user = reach(env, "receive")
    html = as_user("intake").get(f"/tasks/{receive.id}").get_data(as_text=True)
    assert 'type="radio" name="decision"' in field_html(html, "decision")
    assert "<select" in field_html(html, "corrected_category")
    assert 'type="checkbox" id="f-corrected_urgent" name="corrected_urgent" value="true"' in \
        re.sub(r"\s+", " ", field_html(html, "corrected_urgent"))
    assert 'type="text"' in field_html(html, "duplicate_of")

    handle, _user = reach(env, "handle")
    html = as_user("handler").get(f"/tasks/{handle.id}").get_data(as_text=True)
    days = re.sub(r"\s+", " ", field_html(html, "extension_days"))
    assert 'type="number"' in days and 'min="1"' in days and 'max="30"' in days
    assert 'type="date"' in field_html(html, "on_site_date")
    assert "<textarea" in field_html(html, "findings")

    review, _user = reach(env, "review")
    html = as_user("lead").get(f"/tasks/{review.id}").get_data(as_text=True)
    approved = field_html(html, "approved")
    assert 'value="true"' in approved and 'value="false"' in approved and "同意" in approved
    assert "不同意" in approved


def test_case_summary_masks_the_complainant_for_handlers(env, as_user):
    task, _user = reach(env, "handle")
    handler = as_user("handler").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "张*" in handler and "138****0000" in handler
    assert "张三" not in handler and "13800000000" not in handler
    assert "每晚十点后有刺鼻气味" in handler and "工厂夜间排放异味" in handler
    assert "大气环境科" in handler  # the department handling it
    assign, _user = reach(env, "assign")
    intake = as_user("intake").get(f"/tasks/{assign.id}").get_data(as_text=True)
    assert "张三" in intake and "13800000000" in intake


def test_assign_form_is_prefilled_from_the_routing_table(env, as_user):
    task, _user = reach(env, "assign")
    html = as_user("intake").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert re.search(r'value="assign"\s+checked', field_html(html, "action"))
    assert '<option value="air" selected>' in field_html(html, "department")
    assert "建议承办部门：大气环境科" in html

    fumes = env.register(category="air", subject_type="catering", grid_code="T02-A01-V01")
    env.complete(fumes, "receive", {"decision": "accept"})
    html = as_user("intake").get(f"/tasks/{env.task(fumes, 'assign').id}").get_data(as_text=True)
    assert re.search(r'value="transfer"\s+checked', field_html(html, "action"))
    assert 'value="城市管理局"' in field_html(html, "transfer_to")
    assert "建议转办单位：城市管理局" in html


def test_earlier_steps_are_shown_to_the_reviewer(env, as_user):
    task, _user = reach(env, "review")
    html = as_user("lead").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "现场核查属实，已责令整改" in html and "已处理并电话告知" in html
    assert "答复方式" in html and "电话" in html
    # A decision form starts empty: nothing is pre-approved.
    assert "checked" not in field_html(html, "approved")


def test_a_new_round_starts_from_the_last_work_but_not_from_the_last_decision(env, as_user):
    task, _user = reach(env, "review")
    env.complete(task.case_id, "review", {"approved": False, "comment": "整改证据不足"})
    handle = env.task(task.case_id, "handle")
    html = as_user("handler").get(f"/tasks/{handle.id}").get_data(as_text=True)
    # The handler continues from what they recorded last time (task data, same field names).
    assert "现场核查属实，已责令整改</textarea>" in field_html(html, "findings")
    env.complete(task.case_id, "handle", {"outcome": "done", "findings": "补充监测报告"})
    env.complete(task.case_id, "feedback", {"reply": "已再次答复", "contact_method": "sms"})
    html = as_user("lead").get(f"/tasks/{env.task(task.case_id, 'review').id}").get_data(as_text=True)
    assert "checked" not in field_html(html, "approved")
    assert "整改证据不足" not in field_html(html, "comment")


def test_a_bad_submission_shows_errors_beside_fields_and_changes_nothing(env, as_user):
    task, _user = reach(env, "handle")
    handler = as_user("handler")
    audit_before = len(env.audit(task.case_id))
    response = handler.post(f"/tasks/{task.id}", {"outcome": "done", "measures": "责令停产<整改>",
                                                  "extension_days": "abc", "complete": "1"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "请填写此项" in field_html(html, "findings")
    assert "必须是整数" in field_html(html, "extension_days")
    assert "field-error" not in field_html(html, "measures")
    # What was typed is still there, escaped.
    assert "责令停产&lt;整改&gt;</textarea>" in field_html(html, "measures")
    assert 'value="abc"' in field_html(html, "extension_days")
    assert re.search(r'value="done"\s+checked', field_html(html, "outcome"))
    assert 'role="alert"' in html
    assert ready_specs(env, task.case_id) == ["handle"] and len(env.audit(task.case_id)) == audit_before

    missing = handler.post(f"/tasks/{task.id}", {"complete": "1"})
    assert missing.status_code == 422 and "请填写此项" in field_html(missing.get_data(as_text=True), "outcome")


def test_a_good_submission_completes_the_task_and_returns_to_the_inbox(env, as_user):
    task, _user = reach(env, "receive")
    response = as_user("intake").post(f"/tasks/{task.id}", {"decision": "accept", "note": "属实", "complete": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox")
    assert ready_specs(env, task.case_id) == ["assign"]
    done = env.audit(task.case_id, "task_completed")[-1]
    assert done.actor == "intake" and done.detail["data"] == {"decision": "accept", "note": "属实"}
    as_user("intake").post(f"/tasks/{env.task(task.case_id, 'assign').id}", {"action": "assign", "department": "water"})
    with env.db.read() as s:
        water = s.scalar(select(Department.id).where(Department.code == "water"))
    assert env.task(task.case_id, "handle").department_id == water


def test_typed_values_become_json_types(env, as_user):
    # Integers and a multi-valued field.
    case = env.register()
    env.complete(case, "receive", {"decision": "accept"})
    intake = as_user("intake")
    assign = env.task(case, "assign")
    response = intake.post(f"/tasks/{assign.id}", {"action": "assign", "department": "enforcement",
                                                   "joint_departments": ["air", "water"], "complete": "1"})
    assert response.status_code == 302
    assert sorted(ready_specs(env, case)) == ["joint_handle", "joint_handle"]
    data = env.audit(case, "task_completed")[-1].detail["data"]
    assert data["joint_departments"] == ["air", "water"]

    handle, _user = reach(env, "handle")
    as_user("handler").post(f"/tasks/{handle.id}", {"outcome": "extension", "extension_days": "12",
                                                    "extension_reason": "等待检测", "violation_found": "true"})
    data = env.audit(handle.case_id, "task_completed")[-1].detail["data"]
    assert data["extension_days"] == 12 and data["violation_found"] is True
    # Boolean radios: "false" is a real false, and the rejection needs its reason.
    approval = env.task(handle.case_id, "approve_extension")
    lead = as_user("lead")
    refused = lead.post(f"/tasks/{approval.id}", {"approved": "false"})
    assert refused.status_code == 422 and "请填写此项" in field_html(refused.get_data(as_text=True), "comment")
    assert re.search(r'value="false"\s+checked', field_html(refused.get_data(as_text=True), "approved"))
    lead.post(f"/tasks/{approval.id}", {"approved": "false", "comment": "理由不充分"})
    assert env.audit(handle.case_id, "extension_refused")[-1].detail == {"comment": "理由不充分"}
    assert ready_specs(env, handle.case_id) == ["handle"]


def test_an_unticked_checkbox_changes_nothing(env, as_user):
    case = env.register(urgent=True, title="突发死鱼")
    as_user("intake").post(f"/tasks/{env.task(case, 'receive').id}", {"decision": "accept"})
    assert "corrected_urgent" not in env.audit(case, "task_completed")[-1].detail["data"]
    assert env.case(case).urgent is True


def test_review_approved_closes_the_case(env, as_user):
    task, _user = reach(env, "review")
    response = as_user("lead").post(f"/tasks/{task.id}", {"approved": "true", "complete": "1"})
    assert response.status_code == 302
    assert env.case(task.case_id).status == "closed" and ready_specs(env, task.case_id) == ["follow_up"]


def test_draft_is_saved_restored_private_and_dropped_on_completion(env, as_user):
    task, _user = reach(env, "handle")
    handler = as_user("handler")
    response = handler.post(f"/tasks/{task.id}", {"outcome": "done", "findings": "现场有异味，待复查",
                                                  "on_site_date": "2026-03-03", "save_draft": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/tasks/{task.id}")
    assert ready_specs(env, task.case_id) == ["handle"]  # a draft completes nothing
    html = handler.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "现场有异味，待复查</textarea>" in field_html(html, "findings")
    assert 'value="2026-03-03"' in field_html(html, "on_site_date")
    assert re.search(r'value="done"\s+checked', field_html(html, "outcome"))
    assert "草稿" in html
    # Drafts belong to the person who typed them.
    other = as_user("admin").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "现场有异味" not in other

    handler.post(f"/tasks/{task.id}", {"outcome": "done", "findings": "复查完毕", "complete": "1"})
    assert ready_specs(env, task.case_id) == ["feedback"]
    with env.db.read() as s:
        assert s.scalar(select(func.count()).select_from(TaskDraft)) == 0


def test_a_stale_second_submission_gets_409_naming_who_completed_it(env, as_user):
    case = env.register()
    env.accept_and_assign(case, department="enforcement")
    task = env.task(case, "handle")
    first, second = as_user("gridofficer"), as_user("handler2")
    stale_page = second.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert first.post(f"/tasks/{task.id}", {"outcome": "done", "findings": "网格员已处置"}).status_code == 302
    from tests.web.conftest import csrf_of

    response = second.client.post(f"/tasks/{task.id}", data={"outcome": "done", "findings": "我也处理了",
                                                             "csrf_token": csrf_of(stale_page)})
    assert response.status_code == 409
    assert "gridofficer" in response.get_data(as_text=True)
    assert [e.actor for e in env.audit(case, "task_completed")][-1] == "gridofficer"
    assert ready_specs(env, case) == ["feedback"]
    # Opening it again says it is done and offers no form.
    again = second.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "该任务已由 gridofficer 办理" in again and 'name="findings"' not in again


def test_tasks_outside_the_scope_are_not_found(env, as_user):
    case = env.register()
    env.accept_and_assign(case, department="enforcement")
    task = env.task(case, "handle")
    handler = as_user("handler")  # air department
    assert handler.get(f"/tasks/{task.id}").status_code == 404
    assert handler.post(f"/tasks/{task.id}", {"outcome": "done", "findings": "x"}).status_code == 404
    assert ready_specs(env, case) == ["handle"]
    assert as_user("intake").get(f"/tasks/{task.id}").status_code == 404
    assert as_user("lead").get(f"/tasks/{task.id}").status_code == 404
    assert handler.get("/tasks/00000000-0000-0000-0000-000000000000").status_code == 404
    assert as_user().get(f"/tasks/{task.id}").status_code == 302  # signed out: to the login page


def test_hostile_text_in_a_complaint_is_escaped(env, as_user):
    case = env.register(title="<script>alert(1)</script>", description="<script>alert(1)</script>")
    html = as_user("intake").get(f"/tasks/{env.task(case, 'receive').id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 2


def test_english_labels_come_from_the_form_definition(env, as_user):
    task, _user = reach(env, "receive")
    intake = as_user("intake")
    intake.post("/lang/en", {"next": "/"}, page_url="/")
    html = htmlmod.unescape(intake.get(f"/tasks/{task.id}").get_data(as_text=True))
    form = forms.load_form("receive")
    for name in form.fields:
        assert form.label(name, "en") in html
    assert "Merge as duplicate" in html and "Required when rejecting" in html
    assert "受理意见" not in html
    errors = intake.post(f"/tasks/{task.id}", {"decision": "reject"}).get_data(as_text=True)
    assert "This field is required." in field_html(errors, "reason")


def test_widget_values_convert_both_ways_for_every_widget_type(app):
    form = forms.parse_definition("all_widgets", {
        "name": "all_widgets", "title": {"zh_CN": "全部控件", "en": "All widgets"},
        "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                   "additionalProperties": False, "required": ["flag"],
                   "properties": {"when": {"type": "string", "format": "date-time"},
                                  "score": {"type": "number"}, "count": {"type": "integer"},
                                  "levels": {"type": "array", "items": {"type": "integer", "enum": [1, 2, 3]}},
                                  "flag": {"type": "boolean"}, "opt": {"type": "boolean"}}},
        "ui": {"order": ["when", "score", "count", "levels", "flag", "opt"], "fields": {
            "when": {"label": {"zh_CN": "时间", "en": "When"}, "widget": "datetime"},
            "score": {"label": {"zh_CN": "分数", "en": "Score"}, "widget": "number"},
            "count": {"label": {"zh_CN": "数量", "en": "Count"}, "widget": "number"},
            "levels": {"label": {"zh_CN": "级别", "en": "Levels"}, "widget": "select",
                       "choices": {"1": {"zh_CN": "一", "en": "One"}, "2": {"zh_CN": "二", "en": "Two"},
                                   "3": {"zh_CN": "三", "en": "Three"}}},
            "flag": {"label": {"zh_CN": "必选勾", "en": "Flag"}, "widget": "checkbox"},
            "opt": {"label": {"zh_CN": "可选勾", "en": "Optional"}, "widget": "checkbox"}}}})
    from werkzeug.datastructures import MultiDict

    from webapp.work.form_render import build_fields, parse_submission, to_display

    posted = MultiDict([("when", "2026-03-02T09:30"), ("score", "2.5"), ("count", "7"), ("levels", "1"),
                        ("levels", "3"), ("opt", "")])
    data = parse_submission(form, posted, "Asia/Shanghai")
    assert data == {"when": "2026-03-02T09:30:00+08:00", "score": 2.5, "count": 7, "levels": [1, 3], "flag": False}
    assert form.validate(data) == data
    assert parse_submission(form, MultiDict([("count", "七")]), "Asia/Shanghai")["count"] == "七"
    shown = to_display(form, {"when": "2026-03-02T01:30:00+00:00", "levels": [3], "flag": True}, "Asia/Shanghai")
    assert shown == {"when": "2026-03-02T09:30", "levels": ["3"], "flag": "true"}
    with app.test_request_context():
        fields = {f.name: f for f in build_fields(form, shown, {"count": ["必须是整数"]}, "zh_CN", [])}
    assert fields["levels"].multiple and fields["levels"].selected("3") and not fields["levels"].selected("1")
    assert fields["levels"].choices == [("1", "一"), ("2", "二"), ("3", "三")]
    assert fields["count"].errors == ["必须是整数"] and fields["count"].attrs == {"step": 1}
    assert fields["flag"].required and not fields["opt"].required
    from flask import render_template_string

    with app.test_request_context():
        html = render_template_string('{% from "_form_fields.html" import render_field %}'
                                      '{% for f in fields %}{{ render_field(f) }}{% endfor %}',
                                      fields=list(fields.values()))
    assert '<select id="f-levels" name="levels"' in html and "multiple" in field_html(html, "levels")
    assert 'type="datetime-local" id="f-when" name="when"' in html and 'value="2026-03-02T09:30"' in html
    assert '<option value="3" selected>三</option>' in html
    assert re.search(r'name="flag" value="true"\s+checked', html)


def test_a_return_after_two_working_days_is_refused_beside_the_outcome(env, as_user):
    task, _user = reach(env, "handle")
    env.at("2026-03-04T16:00:01+00:00")  # Wednesday 24:00 in Shanghai: two working days since assignment
    response = as_user("handler").post(f"/tasks/{task.id}", {"outcome": "return", "return_reason": "不属本科室",
                                                             "complete": "1"})
    assert response.status_code == 422
    assert "退单须在交办后 2 个工作日内提出" in field_html(response.get_data(as_text=True), "outcome")
    assert "review_return" not in ready_specs(env, task.case_id) and env.audit(task.case_id, "returned") == []
