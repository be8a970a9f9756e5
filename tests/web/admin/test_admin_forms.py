"""The form editor: list, edit with live preview, save as a version, refusals shown beside the editor."""
import json
import re

import forms
from engine.definitions.deploy import shipped_files
from engine.definitions.form_store import current_raw, form_history, form_names, get_form


def shipped(name):
    return json.loads((forms.FORMS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def editor_post(raw, **extra):
    """What the structured editor posts for a definition."""
    data = {"mode": "fields", "title_zh": raw["title"]["zh_CN"], "title_en": raw["title"]["en"]}
    required = set(raw["schema"].get("required", []))
    for i, name in enumerate(raw["ui"]["order"]):
        ui = raw["ui"]["fields"][name]
        data.update({f"f-{i}-key": name, f"f-{i}-name": name, f"f-{i}-widget": ui["widget"],
                     f"f-{i}-label_zh": ui["label"]["zh_CN"], f"f-{i}-label_en": ui["label"]["en"],
                     f"f-{i}-help_zh": ui.get("help", {}).get("zh_CN", ""),
                     f"f-{i}-help_en": ui.get("help", {}).get("en", ""),
                     f"f-{i}-choices": "\n".join(f"{v} | {t['zh_CN']} | {t['en']}"
                                                 for v, t in ui.get("choices", {}).items())})
        if name in required:
            data[f"f-{i}-required"] = "1"
        if ui["widget"] == "file":  # the file options the page shows (admin/forms_edit.html)
            data[f"f-{i}-accept"] = ui.get("accept", ["image", "pdf"])
            data[f"f-{i}-max_files"] = str(ui.get("max_files", 10))
            if ui.get("in_reply"):
                data[f"f-{i}-in_reply"] = "1"
    data.update(extra)
    return data


def post_editor(admin, name, data):
    """Post the editor page of form `name` (saving, or a change of tab or rows)."""
    return admin.post(f"/admin/forms/{name}", data, page_url=f"/admin/forms/{name}")


def preview(admin, name, data):
    return admin.post(f"/admin/forms/{name}/preview", data, page_url=f"/admin/forms/{name}")


def history(env, name):
    with env.db.read() as s:
        return form_history(s, name)


def test_only_administrators_reach_the_editor(app, as_user):
    for who in ("intake", "handler", "supervisor"):
        browser = as_user(who)
        assert browser.get("/admin/forms").status_code == 403
        assert browser.get("/admin/forms/review").status_code == 403
        assert browser.client.post("/admin/forms/review", data={}).status_code in (400, 403)
    admin = as_user("admin")
    page = admin.get("/admin/forms").get_data(as_text=True)
    assert "审核" in page and "/admin/forms/review" in page and "complaint v1" in page
    assert admin.get("/admin/forms/nope").status_code == 404
    assert admin.get("/admin/forms/review/versions/1").status_code == 404


def test_editor_shows_fields_and_preview_like_the_task_page(app, as_user):
    admin = as_user("admin")
    page = admin.get("/admin/forms/review").get_data(as_text=True)
    assert 'name="f-0-name" value="approved"' in page
    assert "true | 同意 | Approve" in page
    # The preview is the task page's own field markup.
    assert 'data-field="approved"' in page and 'name="approved"' in page


def test_preview_renders_the_posted_state_without_saving(env, app, as_user):
    admin = as_user("admin")
    raw = shipped("review")
    data = editor_post(raw, **{"f-1-label_zh": "不同意的理由", "f-1-label_en": "Why not"})
    html = preview(admin, "review", data).get_data(as_text=True)
    assert "不同意的理由" in html and "<html" not in html
    assert history(env, "review") == []
    # A row error stops the preview with a message instead of rendering half a form.
    bad = editor_post(raw, **{"f-1-label_en": ""})
    html = preview(admin, "review", bad).get_data(as_text=True)
    assert "无法预览" in html
    # The JSON tab previews what it holds, and says where JSON is broken.
    html = preview(admin, "review", {"mode": "json", "json": "{oops"}).get_data(as_text=True)
    assert "JSON 格式错误" in html and "第 1 行" in html


def test_save_from_the_field_editor_creates_a_version_used_by_task_pages(env, app, as_user):
    admin = as_user("admin")
    raw = shipped("feedback")
    first = raw["ui"]["order"][0]
    data = editor_post(raw, op="save", comment="改标签",
                       **{"f-0-label_zh": "给投诉人的答复（新）", "f-0-label_en": "Reply (new)"})
    response = post_editor(admin, "feedback", data)
    assert response.status_code == 302
    [v1] = history(env, "feedback")
    assert (v1.version, v1.created_by, v1.comment) == (1, "admin", "改标签")
    with env.db.read() as s:
        assert get_form(s, "feedback").label(first) == "给投诉人的答复（新）"
    page = admin.get("/admin/forms/feedback").get_data(as_text=True)
    assert "已保存为第 1 版" in page and "改标签" in page

    # Saving the same thing again makes no new version.
    post_editor(admin, "feedback", data)
    assert len(history(env, "feedback")) == 1

    # The handler's task page shows the new label.
    case = env.register()
    env.accept_and_assign(case)
    env.complete(case, "handle", {"outcome": "done", "findings": "已整改"})
    task = env.task(case, "feedback")
    handler = as_user("handler")
    assert "给投诉人的答复（新）" in handler.get(f"/tasks/{task.id}").get_data(as_text=True)


def test_add_move_and_remove_rows_keep_unsaved_edits(env, app, as_user):
    admin = as_user("admin")
    raw = shipped("review")
    page = post_editor(admin, "review", editor_post(raw, op="add", title_zh="审核（改）")).get_data(as_text=True)
    assert 'name="f-2-name" value="field_3"' in page and 'value="审核（改）"' in page
    data = editor_post(raw, op="up:1")
    page = post_editor(admin, "review", data).get_data(as_text=True)
    assert page.index('value="comment"') < page.index('value="approved"')
    page = post_editor(admin, "review", editor_post(raw, op="remove:0")).get_data(as_text=True)
    assert 'value="approved"' not in page.split("预览")[0]
    assert history(env, "review") == []


def test_new_field_with_choices_is_saved_and_required(env, app, as_user):
    admin = as_user("admin")
    raw = shipped("follow_up")
    n = len(raw["ui"]["order"])
    data = editor_post(raw, op="save", **{
        f"f-{n}-key": "", f"f-{n}-name": "contact_channel", f"f-{n}-widget": "radio",
        f"f-{n}-label_zh": "回访方式", f"f-{n}-label_en": "Channel", f"f-{n}-required": "1",
        f"f-{n}-choices": "phone | 电话 | Phone\nvisit | 上门 | Visit"})
    assert post_editor(admin, "follow_up", data).status_code == 302
    with env.db.read() as s:
        form = get_form(s, "follow_up")
    assert form.schema["properties"]["contact_channel"] == {"type": "string", "enum": ["phone", "visit"]}
    assert "contact_channel" in form.schema["required"]
    assert form.choice_label("contact_channel", "visit", "en") == "Visit"


def test_the_editor_offers_a_file_field_with_its_options(env, app, as_user):
    admin = as_user("admin")
    page = admin.get("/admin/forms/review").get_data(as_text=True)
    assert '<option value="file"' in page
    raw = shipped("review")
    n = len(raw["ui"]["order"])
    new = {f"f-{n}-key": "", f"f-{n}-name": "photos", f"f-{n}-widget": "file", f"f-{n}-label_zh": "审核照片",
           f"f-{n}-label_en": "Photos"}
    refused = post_editor(admin, "review", editor_post(raw, op="save", **new, **{f"f-{n}-max_files": "99"}))
    assert refused.status_code == 422
    assert "请至少选择一种可上传的文件类型" in refused.get_data(as_text=True)
    assert history(env, "review") == []
    saved = post_editor(admin, "review", editor_post(raw, op="save", **new, **{
        f"f-{n}-accept": ["image"], f"f-{n}-max_files": "4", f"f-{n}-in_reply": "1"}))
    assert saved.status_code == 302
    with env.db.read() as s:
        form = get_form(s, "review")
    assert form.schema["properties"]["photos"] == {"type": "array", "items": {"type": "integer"}, "maxItems": 4}
    assert forms.file_options(form, "photos") == (["image"], 4, True)
    page = admin.get("/admin/forms/review").get_data(as_text=True)
    assert f'name="f-{n}-max_files" value="4"' in page


def test_row_errors_are_shown_beside_the_row_and_nothing_is_saved(env, app, as_user):
    admin = as_user("admin")
    raw = shipped("review")
    data = editor_post(raw, op="save", **{"f-1-name": "Bad Name", "f-0-choices": "true | 同意"})
    response = post_editor(admin, "review", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "字段名须以小写字母开头" in page and "选项第 1 行应为" in page
    assert 'value="Bad Name"' in page  # kept as typed
    assert history(env, "review") == []


def test_refusal_names_the_diagram_element_and_keeps_the_edit(env, app, as_user):
    admin = as_user("admin")
    raw = shipped("receive")
    choices = "\n".join(f"{v} | {t['zh_CN']} | {t['en']}" for v, t in raw["ui"]["fields"]["decision"]["choices"].items()
                        if v != "duplicate")
    data = editor_post(raw, op="save", comment="去掉重复件", **{"f-0-choices": choices})
    response = post_editor(admin, "receive", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未保存" in page and "gw_receive" in page and "duplicate" in page
    assert 'value="去掉重复件"' in page and "duplicate | " not in page
    assert history(env, "receive") == []


def test_json_tab_save_and_refusals(env, app, as_user):
    admin = as_user("admin")
    assert 'name="json"' in admin.get("/admin/forms/review?tab=json").get_data(as_text=True)
    raw = shipped("review")
    raw["schema"]["properties"]["comment"]["maxLength"] = 500
    response = post_editor(admin, "review", {"mode": "json", "json": json.dumps(raw, ensure_ascii=False),
                                             "op": "save", "comment": "限长"})
    assert response.status_code == 302 and "tab=json" in response.headers["Location"]
    assert [v.version for v in history(env, "review")] == [1]

    response = post_editor(admin, "review", {"mode": "json", "json": "[1, 2", "op": "save"})
    assert response.status_code == 422 and "JSON 格式错误" in response.get_data(as_text=True)
    broken = json.loads(json.dumps(raw))
    broken["ui"]["order"].append("ghost")
    response = post_editor(admin, "review", {"mode": "json", "json": json.dumps(broken), "op": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "ghost" in page and "[1, 2" not in page
    assert "&#34;ghost&#34;" in page or "&quot;ghost&quot;" in page or '"ghost"' in page  # the textarea keeps it
    assert len(history(env, "review")) == 1


def test_switching_tabs_carries_the_unsaved_edit(env, app, as_user):
    admin = as_user("admin")
    raw = shipped("review")
    page = post_editor(admin, "review",
                       editor_post(raw, op="tab:json", title_en="Review (draft)")).get_data(as_text=True)
    assert 'name="json"' in page and "Review (draft)" in page
    raw["title"]["en"] = "Review (json)"
    page = post_editor(admin, "review",
                       {"mode": "json", "json": json.dumps(raw), "op": "tab:fields"}).get_data(as_text=True)
    assert 'value="Review (json)"' in page and 'name="f-0-name"' in page
    response = post_editor(admin, "review", {"mode": "json", "json": "{}", "op": "tab:fields"})
    assert response.status_code == 422 and 'name="json"' in response.get_data(as_text=True)


def test_history_lists_versions_and_an_old_version_can_be_loaded(env, app, as_user):
    admin = as_user("admin")
    raw = shipped("review")
    for label in ("一", "二"):
        data = editor_post(raw, op="save", comment=f"第{label}次", **{"f-1-label_zh": f"意见说明{label}"})
        post_editor(admin, "review", data)
    page = admin.get("/admin/forms/review").get_data(as_text=True)
    assert re.search(r"第 2 版.*当前", page) and "第一次" in page
    view = admin.get("/admin/forms/review/versions/1").get_data(as_text=True)
    assert "意见说明一" in view and "第一次" in view
    page = admin.get("/admin/forms/review?version=1").get_data(as_text=True)
    assert 'value="意见说明一"' in page and "已载入第 1 版" in page


def test_second_administrator_saving_over_a_newer_version_is_told(env, app, as_user):
    first, second = as_user("admin"), as_user("admin")
    page = second.get("/admin/forms/review").get_data(as_text=True)
    assert 'name="base_version" value="0"' in page
    raw = shipped("review")
    first.post("/admin/forms/review", editor_post(raw, op="save", base_version="0", **{"f-1-label_zh": "甲"}),
               page_url="/admin/forms/review")
    response = second.post("/admin/forms/review", editor_post(raw, op="save", base_version="0",
                                                              **{"f-1-label_zh": "乙"}),
                           page_url="/admin/forms/review")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "已由 admin 保存为第 1 版" in page
    assert 'value="乙"' in page and 'name="base_version" value="0"' in page  # nothing lost, still stale
    assert [v.version for v in history(env, "review")] == [1]


# ---------------------------------------------------------------- new forms


def new_form(admin, **data):
    return admin.post("/admin/forms", data, page_url="/admin/forms")


def test_only_administrators_create_forms(app, as_user):
    assert new_form(as_user("supervisor"), name="site_check", title_zh="现场核查", title_en="Site check",
                    source="").status_code == 403
    page = as_user("admin").get("/admin/forms").get_data(as_text=True)
    assert 'id="new-form"' in page and 'action="/admin/forms"' in page and 'name="csrf_token"' in page


def test_bad_or_duplicate_name_is_shown_beside_the_field_and_nothing_is_created(env, app, as_user):
    admin = as_user("admin")
    response = new_form(admin, name="Site Check", title_zh="现场核查", title_en="", source="review")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="new-name"[^>]*aria-invalid="true"[^>]*aria-describedby="e-name new-name-help"[^>]*autofocus',
                     page, re.S)
    assert '<p class="field-error" id="e-name">表单名须以小写字母开头' in page
    assert '<p class="field-error" id="e-title_en">请填写标题</p>' in page
    # Kept as typed, including the form to copy.
    assert 'value="Site Check"' in page and 'value="现场核查"' in page and '<option value="review" selected>' in page

    response = new_form(admin, name="review", title_zh="审核", title_en="Review", source="")
    assert response.status_code == 422
    assert "已有名为 review 的表单" in response.get_data(as_text=True)
    assert history(env, "review") == []
    with env.db.read() as s:
        assert "site_check" not in form_names(s)


def test_new_form_opens_in_the_editor_and_is_offered_to_the_diagram_editor(env, app, as_user):
    admin = as_user("admin")
    response = new_form(admin, name="site_check", title_zh="现场核查", title_en="Site check", source="")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/forms/site_check")
    [v1] = history(env, "site_check")
    assert (v1.version, v1.created_by) == (1, "admin")
    page = admin.get("/admin/forms/site_check").get_data(as_text=True)
    assert "已新建表单 site_check" in page
    assert 'name="f-0-name" value="note"' in page and 'name="base_version" value="1"' in page
    assert "forms/definitions/site_check.json" not in page  # no shipped version 0 to list
    assert "forms/definitions/review.json" in admin.get("/admin/forms/review").get_data(as_text=True)

    # The editor saves it like any other form.
    data = editor_post(v1.definition, op="save", comment="改标签",
                       **{"f-0-label_zh": "核查情况", "f-0-label_en": "Findings"})
    assert post_editor(admin, "site_check", data).status_code == 302
    assert [v.version for v in history(env, "site_check")] == [2, 1]

    # A copy starts from the live definition of its source.
    assert new_form(admin, name="review_second", title_zh="复核", title_en="Second review",
                    source="review").status_code == 302
    with env.db.read() as s:
        assert get_form(s, "review_second").schema == get_form(s, "review").schema
    listing = admin.get("/admin/forms").get_data(as_text=True)
    assert "/admin/forms/site_check" in listing and "复核" in listing
    choices = admin.get("/admin/diagrams/complaint/files.json").get_json()["choices"]["form"]
    assert {"site_check", "review_second"} <= set(choices)


def test_diagram_editor_validates_and_deploys_a_task_naming_a_new_form(env, app, as_user):
    admin = as_user("admin")
    new_form(admin, name="receive_checked", title_zh="受理（核验）", title_en="Receive (checked)", source="receive")
    bpmn, dmn = shipped_files()
    bpmn = {**bpmn, "complaint.bpmn": bpmn["complaint.bpmn"].replace(
        '<spiffworkflow:property name="form" value="receive" />',
        '<spiffworkflow:property name="form" value="receive_checked" />', 1)}
    files = admin.get("/admin/diagrams/complaint/files.json").get_json()
    body = {"bpmn_files": bpmn, "dmn_files": dmn, "revision": files["revision"], "comment": "受理用新表单"}
    token = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"',
                                      admin.get("/admin/diagrams/complaint/edit").get_data(as_text=True)).group(1)}
    checked = admin.client.post("/admin/diagrams/complaint/validate", json=body, headers=token).get_json()
    assert checked == {"ok": True, "problems": []}
    deployed = admin.client.post("/admin/diagrams/complaint/deploy", json=body, headers=token)
    assert deployed.status_code == 200 and deployed.get_json()["version"] == 2

    # In English the task is called by the new form's title.
    case = env.register()
    assert env.task(case, "receive").form == "receive_checked"
    intake = as_user("intake")
    intake.post("/lang/en", {"next": "/"}, page_url="/")
    assert "Receive (checked)" in intake.get("/inbox").get_data(as_text=True)


def test_the_decision_flag_is_offered_and_saved(env, app, as_user):
    admin = as_user("admin")
    ticked = re.compile(r'name="no_prefill" value="1"[^>]*checked')
    assert ticked.search(admin.get("/admin/forms/review").get_data(as_text=True))
    assert not ticked.search(admin.get("/admin/forms/feedback").get_data(as_text=True))
    data = editor_post(shipped("feedback"), op="save", comment="本人决定", no_prefill="1")
    assert post_editor(admin, "feedback", data).status_code == 302
    with env.db.read() as s:
        assert get_form(s, "feedback").prefill is False and current_raw(s, "feedback")["prefill"] is False
    assert ticked.search(admin.get("/admin/forms/feedback").get_data(as_text=True))
    # Unticked again: the default, written as no key at all.
    data = editor_post(shipped("feedback"), op="save", comment="可预填")
    assert post_editor(admin, "feedback", data).status_code == 302
    with env.db.read() as s:
        assert get_form(s, "feedback").prefill is True and "prefill" not in current_raw(s, "feedback")
