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
