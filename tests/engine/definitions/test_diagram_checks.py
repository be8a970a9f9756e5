"""greenloop's own checks on diagrams and decision tables, run by every deploy."""
import pytest

from engine.bootstrap import build_runtime
from engine.definitions.checks import check_files
from engine.definitions.deploy import shipped_files
from engine.definitions.versions import validate_files

# Validation needs the diagram's functions, not a database.
RUNTIME = build_runtime(None)


def _bpmn():
    return shipped_files()[0]["complaint.bpmn"]


def _dmn():
    return shipped_files()[1]["routing.dmn"]


def test_shipped_files_pass():
    bpmn, dmn = shipped_files()
    assert validate_files(RUNTIME, bpmn, dmn) == []


def test_mistyped_property_is_named_with_a_suggestion():
    text = _bpmn().replace('name="form" value="handle"', 'name="from" value="handle"', 1)
    problems = check_files({"complaint.bpmn": text}, {})
    assert [el for el, _ in problems] == ["handle"]
    assert "from" in problems[0][1] and "“form”" in problems[0][1]


@pytest.mark.parametrize("old, new, element, words", [
    ('<spiffworkflow:property name="timer" value="deadline" />', '<spiffworkflow:property name="timer" value="dead" />',
     "stage_receive_deadline", "warning | deadline | escalation"),
    ('name="tier" value="3"', 'name="tier" value="9"', "follow_up_review", "1–4"),
    ('name="stage" value="review" /></spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>f_stage_review_fork',
     'name="stage" value="reveiw" /></spiffworkflow:properties></bpmn:extensionElements><bpmn:incoming>f_stage_review_fork',
     "review", "follow_up"),
])
def test_invalid_property_values(old, new, element, words):
    text = _bpmn()
    assert old in text
    problems = check_files({"complaint.bpmn": text.replace(old, new, 1)}, {})
    assert len(problems) == 1 and problems[0][0] == element and words in problems[0][1]


def test_property_on_the_wrong_kind_of_element():
    text = _bpmn().replace('<bpmn:userTask id="handle" name="办理"><bpmn:extensionElements><spiffworkflow:properties>',
                           '<bpmn:userTask id="handle" name="办理"><bpmn:extensionElements><spiffworkflow:properties>'
                           '<spiffworkflow:property name="timer" value="deadline" />', 1)
    problems = check_files({"complaint.bpmn": text}, {})
    assert problems == [("handle", problems[0][1])] and "userTask" in problems[0][1]


def test_dmn_hit_policy_types_and_cells():
    text = (_dmn().replace('hitPolicy="UNIQUE"', 'hitPolicy="PRIORITY"', 1)
            .replace('name="route_tier" typeRef="integer"', 'name="route_tier" typeRef="int"', 1)
            .replace('<inputEntry id="rule_02_in0"><text>"noise"</text>', '<inputEntry id="rule_02_in0"><text>"noise</text>', 1)
            .replace('<outputEntry id="rule_03_out2"><text>"police"</text>', '<outputEntry id="rule_03_out2"><text>42</text>', 1))
    problems = dict(check_files({}, {"routing.dmn": text}))
    assert set(problems) == {"routing_table", "out_tier", "rule_02_in0", "rule_03_out2"}
    assert "PRIORITY" in problems["routing_table"]
    assert "'int'" in problems["out_tier"]
    assert "string" in problems["rule_03_out2"]


def test_dmn_cells_in_every_supported_form_pass():
    text = _dmn().replace('<inputEntry id="rule_02_in0"><text>"noise"</text>',
                          '<inputEntry id="rule_02_in0"><text>? in ("noise", "air")</text>', 1) \
                 .replace('<inputEntry id="rule_03_in0"><text>"noise"</text>',
                          '<inputEntry id="rule_03_in0"><text>!= "water"</text>', 1)
    assert check_files({}, {"routing.dmn": text}) == []


def test_validation_reports_dmn_problems_through_deploy_checks():
    bpmn, dmn = shipped_files()
    dmn = {"routing.dmn": _dmn().replace('hitPolicy="UNIQUE"', 'hitPolicy="ANY"', 1)}
    assert [el for el, _ in validate_files(RUNTIME, bpmn, dmn)] == ["routing_table"]


# ---------------------------------------------------------------- what a task page shows (context, prefill)

CONTEXT = 'name="context" value="assign, review if approved is False"'
PREFILL = 'name="prefill" value="department: route_department, '


@pytest.mark.parametrize("old, new, words", [
    (CONTEXT, 'name="context" value="assign, reveiw if approved is False"', ["reveiw", "“review”"]),
    (CONTEXT, 'name="context" value="assign, do_close"', ["do_close"]),  # a script task, not a user task
    (CONTEXT, 'name="context" value="assign, review if aproved is False"', ["aproved", "“approved”"]),
    (PREFILL, 'name="prefill" value="departmnet: route_department, ', ["departmnet", "“department”"]),
    (PREFILL, 'name="prefill" value="department: route_departmnet, ', ["route_departmnet", "“route_department”"]),
])
def test_context_and_prefill_naming_what_the_process_lacks_are_refused(old, new, words):
    bpmn, dmn = shipped_files()
    text = bpmn["complaint.bpmn"]
    assert old in text
    problems = validate_files(RUNTIME, {"complaint.bpmn": text.replace(old, new, 1)}, dmn)
    assert len(problems) == 1, problems
    element, message = problems[0]
    assert element == ("handle" if "context" in old else "assign")
    assert all(w in message for w in words), message


@pytest.mark.parametrize("old, new, words", [
    (CONTEXT, 'name="context" value="assign, review if approved is"', "无法编译"),
    (CONTEXT, 'name="context" value="assign,, review"', "空的条目"),
    (CONTEXT, 'name="context" value="assign review"', "task_id if condition"),
    (CONTEXT, 'name="context" value="assign, review if (approved"', "unbalanced"),
    (PREFILL, 'name="prefill" value="department route_department, ', "field: expression"),
    (PREFILL, 'name="prefill" value="department: __import__(&quot;os&quot;), ', "__import__"),
    (PREFILL, 'name="prefill" value="department: route_department, department: route_transfer, ', "twice"),
])
def test_context_and_prefill_that_do_not_parse_are_refused(old, new, words):
    text = _bpmn()
    assert old in text
    problems = check_files({"complaint.bpmn": text.replace(old, new, 1)}, {})
    assert len(problems) == 1 and problems[0][0] == ("handle" if "context" in old else "assign"), problems
    assert words in problems[0][1]


def test_a_mistyped_context_property_is_named_with_a_suggestion():
    text = _bpmn().replace('name="context" value="handle, feedback"', 'name="contxt" value="handle, feedback"', 1)
    problems = check_files({"complaint.bpmn": text}, {})
    assert [el for el, _ in problems] == ["review"] and "“context”" in problems[0][1]


def test_expressions_may_use_their_own_names_helpers_and_commas_inside_brackets():
    text = _bpmn().replace(PREFILL, 'name="prefill" value="joint_departments: [d for d in (route_department, '
                                    '&quot;water, air&quot;) if d], department: department_name(route_department), ', 1)
    bpmn, dmn = shipped_files()
    assert validate_files(RUNTIME, {"complaint.bpmn": text}, dmn) == []
