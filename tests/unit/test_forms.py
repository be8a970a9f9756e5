"""Form definitions and the validation the engine runs before data reaches a workflow."""

from __future__ import annotations

import copy
import json
import os

import pytest
from jsonschema import Draft202012Validator

import forms
from forms import (
    FormDefinition,
    FormError,
    FormValidationError,
    InvalidFormDefinition,
    UnknownForm,
    available_forms,
    load_form,
    validate_form,
)

EXPECTED_FORMS = {
    "receive": ["decision", "reason", "duplicate_of", "corrected_category", "corrected_urgent", "note"],
    "assign": ["action", "department", "joint_departments", "transfer_to", "transfer_reason", "instructions"],
    "handle": [
        "outcome",
        "findings",
        "measures",
        "violation_found",
        "on_site_date",
        "return_reason",
        "extension_days",
        "extension_reason",
        "check_method",
        "evidence",
        "rectification",
    ],
    "joint_handle": ["findings", "measures", "check_method", "evidence"],
    "leader_check": ["decisions", "next_check"],
    "leader_follow_up": ["item", "result"],
    "patrol_check_in": ["latitude", "longitude", "note", "problem_found", "problem_category", "problem_title",
                        "problem_description"],
    "approve_extension": ["approved", "comment"],
    "feedback": ["reply", "contact_method", "contacted_on", "evidence", "photos_in_reply"],
    "review": ["approved", "comment"],
    "follow_up": ["satisfaction", "comment"],
    "follow_up_review": ["conclusion", "evidence"],
    "supervise": ["opinion", "require_report_by"],
    "review_return": ["return_decision", "return_comment"],
    "timer_test": ["note"],
    "rectify_evidence": ["evidence_note", "evidence_attachments"],
    "rectify_signoff": ["signed_off", "signoff_comment"],
    "reinspect": ["result", "findings", "photos"],
    "positive_list_propose": ["enterprise", "criteria", "period_start", "period_end", "reason"],
    "positive_list_approve": ["approved", "approve_comment"],
    "positive_list_review": ["trigger", "decision", "review_reason"],
    # The enforcement path (workflows/bpmn/enforcement.bpmn) and a transfer that waits for the agency.
    "enforcement_file": ["party", "violation", "file_note"],
    "enforcement_investigate": ["findings", "evidence", "crime_suspected"],
    "enforcement_handover": ["police_department", "receiver", "received_on", "handover_reason"],
    "enforcement_police": ["decision", "decision_note"],
    "enforcement_decide": ["fine_yuan", "production_limit", "limit_start", "limit_end", "correction_order",
                           "correction_days"],
    "enforcement_rectify_check": ["rectified", "check_note", "check_evidence"],
    "enforcement_close": ["summary"],
    "agency_result": ["agency_outcome", "agency_result"],
    # Self-inspection (workflows/bpmn/selfcheck.bpmn): the grid officer's contact, the section's review.
    "selfcheck_contact": ["outcome"],
    "selfcheck_review": ["decision", "review_comment"],
    "inspection_notify": ["enterprise", "planned_date", "planned_mode", "notice_note"],
    "inspection_inspect": ["mode", "inspected_on", "findings", "violation", "rectification", "rectify_days", "evidence",
                           "summary"],
    "inspection_rectify": ["rectification", "rectified", "rectify_note", "evidence"],
}


def errors_of(name, data, lang="zh_CN"):
    with pytest.raises(FormValidationError) as info:
        validate_form(name, data, lang=lang)
    return info.value.errors


# --- the shipped definitions ------------------------------------------------


def test_exactly_the_expected_forms_are_shipped():
    assert set(available_forms()) == set(EXPECTED_FORMS)
    assert forms.FORMS_DIR.is_dir()


@pytest.mark.parametrize("name", sorted(EXPECTED_FORMS))
def test_definition_loads_and_is_valid(name):
    form = load_form(name)
    assert isinstance(form, FormDefinition)
    assert form.name == name
    Draft202012Validator.check_schema(form.schema)
    # Gateways read these names, so a rename must break this test.
    assert set(form.schema["properties"]) == set(EXPECTED_FORMS[name])
    assert set(form.fields) == set(EXPECTED_FORMS[name])
    assert form.title["zh_CN"] and form.title["en"]
    for field in form.fields:
        assert form.label(field, "zh_CN") and form.label(field, "en")


@pytest.mark.parametrize(
    ("name", "enum_field", "values"),
    [
        ("receive", "decision", {"accept", "reject", "duplicate"}),
        (
            "receive",
            "corrected_category",
            {"air", "water", "noise", "solid_waste", "soil", "radiation", "ecology", "other"},
        ),
        ("assign", "action", {"assign", "transfer"}),
        ("handle", "outcome", {"done", "return", "extension"}),
        ("feedback", "contact_method", {"phone", "sms", "letter", "visit", "online"}),
        ("follow_up", "satisfaction", {"satisfied", "basically_satisfied", "unsatisfied", "unreachable"}),
    ],
)
def test_enum_values_and_labels(name, enum_field, values):
    form = load_form(name)
    assert set(form.schema["properties"][enum_field]["enum"]) == values
    for value in values:
        assert form.choice_label(enum_field, value, "zh_CN") != value
        assert form.choice_label(enum_field, value, "en") != value


def test_choice_labels_in_both_languages():
    assert load_form("receive").choice_label("decision", "duplicate") == "重复件合并"
    assert (
        load_form("follow_up").choice_label("satisfaction", "basically_satisfied", "en")
        == "Basically satisfied"
    )
    assert load_form("review").choice_label("approved", False) == "不同意"
    assert load_form("handle").choice_label("outcome", "nonsense") == "nonsense"


# --- valid submissions and cleaning -----------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("receive", {"decision": "accept"}),
        ("receive", {"decision": "reject", "reason": "不属于本部门职责"}),
        ("receive", {"decision": "duplicate", "duplicate_of": "环字〔2026〕第000123号"}),
        ("receive", {"decision": "accept", "corrected_category": "noise", "corrected_urgent": True, "note": "夜间施工"}),
        ("assign", {"action": "assign", "department": "law_enforcement"}),
        ("assign", {"action": "assign", "department": "d1", "joint_departments": ["d2", "d3"]}),
        ("assign", {"action": "transfer", "transfer_to": "城市管理局", "transfer_reason": "餐饮油烟归城管"}),
        (
            "handle",
            {"outcome": "done", "findings": "已核实", "violation_found": False, "on_site_date": "2026-03-02"},
        ),
        ("handle", {"outcome": "return", "return_reason": "地址不详"}),
        ("handle", {"outcome": "extension", "extension_days": 30, "extension_reason": "需监测"}),
        ("joint_handle", {"findings": "已联合检查"}),
        ("approve_extension", {"approved": True}),
        ("feedback", {"reply": "已处理", "contact_method": "phone", "contacted_on": "2026-03-05"}),
        ("review", {"approved": True}),
        ("review", {"approved": False, "comment": "核查不充分"}),
        ("follow_up", {"satisfaction": "unreachable"}),
        ("follow_up_review", {"conclusion": "处理得当"}),
        ("supervise", {"opinion": "限期办结", "require_report_by": "2026-04-01"}),
        ("timer_test", {}),
        ("timer_test", {"note": "x"}),
    ],
)
def test_valid_submissions_pass_unchanged(name, data):
    assert validate_form(name, data) == data


def test_cleaned_data_strips_strings_and_drops_empty_optionals():
    cleaned = validate_form(
        "handle",
        {
            "outcome": " done ",
            "findings": "\u3000 现场已整改 \n",
            "measures": "   ",
            "on_site_date": "",
            "return_reason": None,
            "violation_found": True,
        },
    )
    assert cleaned == {"outcome": "done", "findings": "现场已整改", "violation_found": True}


def test_cleaning_applies_to_list_items():
    cleaned = validate_form(
        "assign", {"action": "assign", "department": " d1 ", "joint_departments": [" d2 ", "", "d3"]}
    )
    assert cleaned == {"action": "assign", "department": "d1", "joint_departments": ["d2", "d3"]}


def test_integer_text_is_accepted_as_integer():
    cleaned = validate_form(
        "handle", {"outcome": "extension", "extension_days": " 7 ", "extension_reason": "r"}
    )
    assert cleaned["extension_days"] == 7


def test_integral_float_is_stored_as_integer():
    cleaned = validate_form(
        "handle", {"outcome": "extension", "extension_days": 5.0, "extension_reason": "r"}
    )
    assert cleaned["extension_days"] == 5
    assert type(cleaned["extension_days"]) is int


def test_input_is_not_mutated():
    data = {"decision": " accept ", "note": ""}
    validate_form("receive", data)
    assert data == {"decision": " accept ", "note": ""}


# --- refusals ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "missing"),
    [
        ("receive", {}, {"decision"}),
        ("receive", {"decision": "reject"}, {"reason"}),
        ("receive", {"decision": "duplicate"}, {"duplicate_of"}),
        ("assign", {"action": "assign"}, {"department"}),
        ("assign", {"action": "transfer"}, {"transfer_to", "transfer_reason"}),
        ("assign", {"action": "transfer", "transfer_to": "城管"}, {"transfer_reason"}),
        ("handle", {"outcome": "done"}, {"findings"}),
        ("handle", {"outcome": "return"}, {"return_reason"}),
        ("handle", {"outcome": "extension"}, {"extension_days", "extension_reason"}),
        ("handle", {"outcome": "extension", "extension_days": 5}, {"extension_reason"}),
        ("joint_handle", {"measures": "m"}, {"findings"}),
        ("approve_extension", {}, {"approved"}),
        ("approve_extension", {"approved": False}, {"comment"}),
        ("feedback", {}, {"reply", "contact_method"}),
        ("review", {"approved": False}, {"comment"}),
        ("follow_up", {"comment": "c"}, {"satisfaction"}),
        ("follow_up_review", {}, {"conclusion"}),
        ("supervise", {"require_report_by": "2026-01-01"}, {"opinion"}),
    ],
)
def test_missing_required_field_is_reported_on_that_field(name, data, missing):
    errors = errors_of(name, data)
    assert errors == {field: ["请填写此项"] for field in missing}


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("receive", {"decision": "reject", "reason": "  \n\t "}, "reason"),
        ("receive", {"decision": "duplicate", "duplicate_of": "\u3000"}, "duplicate_of"),
        ("assign", {"action": "assign", "department": " "}, "department"),
        ("handle", {"outcome": "done", "findings": "   "}, "findings"),
        ("joint_handle", {"findings": " "}, "findings"),
        ("feedback", {"reply": "   ", "contact_method": "sms"}, "reply"),
        ("review", {"approved": False, "comment": " "}, "comment"),
        ("follow_up_review", {"conclusion": "\n"}, "conclusion"),
        ("supervise", {"opinion": "  "}, "opinion"),
    ],
)
def test_whitespace_only_required_text_is_missing(name, data, field):
    assert errors_of(name, data) == {field: ["请填写此项"]}


def test_condition_not_met_does_not_require_field():
    assert validate_form("receive", {"decision": "accept"}) == {"decision": "accept"}
    assert validate_form("approve_extension", {"approved": True}) == {"approved": True}
    # With no decision, only the decision itself is missing.
    assert errors_of("receive", {}) == {"decision": ["请填写此项"]}


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("receive", {"decision": "maybe"}, "decision"),
        ("receive", {"decision": "accept", "corrected_category": "light"}, "corrected_category"),
        ("assign", {"action": "delegate"}, "action"),
        ("handle", {"outcome": "DONE"}, "outcome"),
        ("feedback", {"reply": "r", "contact_method": "fax"}, "contact_method"),
        ("follow_up", {"satisfaction": "very_satisfied"}, "satisfaction"),
    ],
)
def test_enum_out_of_range(name, data, field):
    assert errors_of(name, data) == {field: ["请选择有效的选项"]}


@pytest.mark.parametrize(
    ("name", "base", "field", "limit"),
    [
        ("receive", {"decision": "reject"}, "reason", 2000),
        ("receive", {"decision": "accept"}, "note", 2000),
        ("assign", {"action": "assign", "department": "d"}, "instructions", 2000),
        ("handle", {"outcome": "done"}, "findings", 10000),
        ("handle", {"outcome": "done", "findings": "f"}, "measures", 10000),
        ("feedback", {"contact_method": "sms"}, "reply", 10000),
    ],
)
def test_max_length(name, base, field, limit):
    assert validate_form(name, {**base, field: "字" * limit})[field] == "字" * limit
    errors = errors_of(name, {**base, field: "字" * (limit + 1)})
    assert errors == {field: [f"长度不能超过 {limit} 个字符"]}


@pytest.mark.parametrize(
    ("days", "message"), [(0, "必须大于或等于 1"), (31, "必须小于或等于 30"), (-3, "必须大于或等于 1")]
)
def test_extension_days_bounds(days, message):
    data = {"outcome": "extension", "extension_days": days, "extension_reason": "r"}
    assert errors_of("handle", data) == {"extension_days": [message]}


@pytest.mark.parametrize("days", [1, 30])
def test_extension_days_bounds_are_inclusive(days):
    data = {"outcome": "extension", "extension_days": days, "extension_reason": "r"}
    assert validate_form("handle", data)["extension_days"] == days


@pytest.mark.parametrize("days", [2.5, "three", True])
def test_extension_days_must_be_integer(days):
    data = {"outcome": "extension", "extension_days": days, "extension_reason": "r"}
    assert errors_of("handle", data) == {"extension_days": ["必须是整数"]}


def test_unknown_field_is_an_error_on_that_field():
    errors = errors_of("review", {"approved": True, "approver": "张三", "extra": ""})
    assert errors == {"approver": ["未知字段"], "extra": ["未知字段"]}


@pytest.mark.parametrize("value", ["true", "on", 1, None])
def test_booleans_must_be_json_booleans(value):
    errors = errors_of("review", {"approved": value, "comment": "c"})
    expected = "请填写此项" if value is None else "必须是“是”或“否”"
    assert errors == {"approved": [expected]}


@pytest.mark.parametrize("value", ["2026-02-30", "2026/03/01", "20260301", "昨天"])
def test_date_format(value):
    errors = errors_of("handle", {"outcome": "done", "findings": "f", "on_site_date": value})
    assert errors == {"on_site_date": ["请输入有效日期（YYYY-MM-DD）"]}


def test_duplicate_of_needs_a_case_number():
    errors = errors_of("receive", {"decision": "duplicate", "duplicate_of": "123"})
    assert errors == {"duplicate_of": ["格式不正确"]}


def test_joint_departments_unique_and_at_most_six():
    errors = errors_of("assign", {"action": "assign", "department": "d", "joint_departments": ["a", "a"]})
    assert errors == {"joint_departments": ["不能包含重复项"]}
    seven = [f"d{i}" for i in range(7)]
    errors = errors_of("assign", {"action": "assign", "department": "d", "joint_departments": seven})
    assert errors == {"joint_departments": ["最多选择 6 项"]}
    errors = errors_of("assign", {"action": "assign", "department": "d", "joint_departments": ["a", 5]})
    assert errors == {"joint_departments": ["第 2 项：必须是文本"]}


def test_wrong_type_hides_follow_on_errors_for_the_same_value():
    assert errors_of("receive", {"decision": 3}) == {"decision": ["必须是文本"]}


def test_non_object_submission_goes_under_all():
    with pytest.raises(FormValidationError) as info:
        load_form("review").validate(["approved"])
    assert info.value.errors == {"__all__": ["提交的数据格式无效"]}


def test_english_messages():
    errors = errors_of(
        "handle",
        {"outcome": "extension", "extension_days": 31, "on_site_date": "x", "bogus": 1},
        lang="en",
    )
    assert errors == {
        "on_site_date": ["Enter a valid date (YYYY-MM-DD)."],
        "extension_days": ["Must be less than or equal to 30."],
        "extension_reason": ["This field is required."],
        "bogus": ["Unknown field."],
    }
    # Errors follow the form's field order so they read top to bottom.
    assert list(errors) == ["on_site_date", "extension_days", "extension_reason", "bogus"]
    assert errors_of("receive", {"decision": "no"}, lang="en") == {"decision": ["Select a valid choice."]}
    assert errors_of("review", {"approved": False, "comment": " "}, lang="en-US") == {
        "comment": ["This field is required."]
    }


def test_messages_never_leak_jsonschema_text():
    errors = errors_of(
        "assign",
        {"action": "x", "department": 1, "joint_departments": "d", "transfer_to": "t" * 201, "zzz": 1},
    )
    text = json.dumps(errors, ensure_ascii=False)
    for raw in ("is not", "required property", "too long", "unexpected", "'"):
        assert raw not in text


def test_error_exposes_form_name_and_is_a_form_error():
    with pytest.raises(FormError) as info:
        validate_form("review", {})
    assert isinstance(info.value, FormValidationError)
    assert info.value.form == "review"
    assert "approved" in str(info.value)


# --- registry and malformed definitions -------------------------------------

MINIMAL = {
    "name": "sample",
    "title": {"zh_CN": "样例", "en": "Sample"},
    "schema": {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "kind": {"type": "string", "enum": ["a", "b"]},
            "when": {"type": "string", "format": "date-time"},
        },
        "required": ["kind"],
    },
    "ui": {
        "order": ["kind", "when"],
        "fields": {
            "kind": {
                "label": {"zh_CN": "类型", "en": "Kind"},
                "widget": "select",
                "choices": {"a": {"zh_CN": "甲", "en": "A"}, "b": {"zh_CN": "乙", "en": "B"}},
            },
            "when": {"label": {"zh_CN": "时间", "en": "When"}, "widget": "datetime"},
        },
    },
}


def write(directory, definition, name="sample"):
    path = directory / f"{name}.json"
    path.write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    return path


def test_unknown_form():
    with pytest.raises(UnknownForm) as info:
        load_form("no_such_form")
    assert "no_such_form" in str(info.value)
    assert isinstance(info.value, FormError)


@pytest.mark.parametrize("name", ["../sample", "Sample", "", "sample.json", "sample/"])
def test_names_that_could_escape_the_directory_are_unknown(name, tmp_path):
    write(tmp_path, MINIMAL)
    inner = tmp_path / "inner"
    inner.mkdir()
    write(inner, MINIMAL)
    (inner / "sample.json.json").write_text(json.dumps(MINIMAL), encoding="utf-8")
    with pytest.raises(UnknownForm):
        load_form(name, inner)


def test_load_from_other_directory_and_validate_date_time(tmp_path):
    write(tmp_path, MINIMAL)
    assert available_forms(tmp_path) == ["sample"]
    form = load_form("sample", tmp_path)
    assert (
        form.validate({"kind": "a", "when": "2026-03-01T09:30:00+08:00"})["when"]
        == "2026-03-01T09:30:00+08:00"
    )
    assert form.validate({"kind": "b", "when": "2026-03-01t01:30:00.5z"})["kind"] == "b"
    # RFC 3339 needs the "T", seconds and an offset, though Python would parse these.
    for value in (
        "2026-03-01 09:30:00+08:00",
        "2026-03-01T09:30:00",
        "2026-03-01T09:30+08:00",
        "2026-13-01T09:30:00Z",
    ):
        with pytest.raises(FormValidationError) as info:
            form.validate({"kind": "a", "when": value})
        assert info.value.errors == {"when": ["请输入有效的日期时间（如 2026-01-31T09:30:00+08:00）"]}


def test_available_forms_of_missing_directory_is_empty(tmp_path):
    assert available_forms(tmp_path / "nowhere") == []


def test_cache_is_reused_until_file_changes(tmp_path):
    path = write(tmp_path, MINIMAL)
    first = load_form("sample", tmp_path)
    assert load_form("sample", tmp_path) is first
    changed = copy.deepcopy(MINIMAL)
    changed["title"]["en"] = "Changed sample"
    write(tmp_path, changed)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    second = load_form("sample", tmp_path)
    assert second is not first
    assert second.title["en"] == "Changed sample"


def test_invalid_json_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "sample.json"
    path.write_text('{"name": "sample",', encoding="utf-8")
    with pytest.raises(InvalidFormDefinition) as info:
        load_form("sample", tmp_path)
    assert str(path) in str(info.value)
    assert "JSON" in str(info.value)
    assert info.value.name == "sample"


def _broken(mutate):
    definition = copy.deepcopy(MINIMAL)
    mutate(definition)
    return definition


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["schema"]["properties"]["kind"].update(type="strnig"), "schema.properties.kind.type"),
        (lambda d: d["schema"].update(required="kind"), "schema.required"),
        (lambda d: d["ui"]["order"].append("colour"), "'colour'"),
        (
            lambda d: d["ui"]["fields"].update(
                colour={"label": {"zh_CN": "色", "en": "C"}, "widget": "text"}
            ),
            "'colour'",
        ),
        (lambda d: d["ui"]["fields"]["kind"].pop("choices"), "ui.fields.kind.choices"),
        (lambda d: d["ui"]["fields"]["kind"]["choices"]["b"].pop("en"), "ui.fields.kind.choices.b"),
        (lambda d: d["ui"]["fields"]["kind"]["choices"].pop("b"), "ui.fields.kind.choices"),
        (lambda d: d["ui"]["fields"]["when"]["label"].pop("zh_CN"), "ui.fields.when.label"),
        (lambda d: d["ui"]["fields"]["when"].update(widget="slider"), "ui.fields.when.widget"),
        (lambda d: d["ui"]["fields"]["when"].update(widget="checkbox"), "ui.fields.when.widget"),
        (lambda d: d["ui"]["order"].remove("when"), "'when'"),
        (lambda d: d["schema"].update(required=["kind", "kinds"]), "'kinds'"),
        (lambda d: d["schema"].update(allOf=[{"then": {"required": ["wen"]}}]), "'wen'"),
        (lambda d: d["schema"].pop("additionalProperties"), "additionalProperties"),
        (
            lambda d: (
                d["schema"]["properties"]["when"].update(format="datetime"),
                d["ui"]["fields"]["when"].update(widget="text"),
            ),
            "format 'datetime'",
        ),
        (lambda d: d.update(name="other"), "'other'"),
        (lambda d: d.update(title="样例"), "title"),
        (lambda d: d.update(prefill="no"), "'prefill' must be true or false"),
    ],
)
def test_malformed_definition_is_refused_naming_file_and_field(tmp_path, mutate, expected):
    path = write(tmp_path, _broken(mutate))
    with pytest.raises(InvalidFormDefinition) as info:
        load_form("sample", tmp_path)
    message = str(info.value)
    assert str(path) in message
    assert expected in message


def test_broken_file_is_not_cached(tmp_path):
    path = write(tmp_path, _broken(lambda d: d["ui"]["order"].append("colour")))
    with pytest.raises(InvalidFormDefinition):
        load_form("sample", tmp_path)
    write(tmp_path, MINIMAL)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert load_form("sample", tmp_path).name == "sample"


def test_decision_forms_are_not_prefilled_and_the_flag_defaults_to_true(tmp_path):
    assert {name for name in available_forms() if not load_form(name).prefill} == {
        "review", "approve_extension", "follow_up", "follow_up_review", "supervise", "review_return", "leader_check",
        "leader_follow_up", "rectify_evidence", "rectify_signoff", "reinspect", "patrol_check_in",
        "positive_list_approve", "positive_list_review", "selfcheck_contact", "selfcheck_review",
        "inspection_notify", "inspection_inspect", "inspection_rectify"}
    assert load_form("handle").prefill is True
    write(tmp_path, {**MINIMAL, "prefill": False})
    assert load_form("sample", tmp_path).prefill is False
