"""Parsing a definition's files into specs, and refusing what does not parse
(engine/core/specs.py parse_bundle)."""
from __future__ import annotations

import pytest

from engine.core.errors import DeployError
from engine.core.specs import parse_bundle
from tests.unit.spiff import FIXTURES

PROJECTION = (FIXTURES / "projection.bpmn").read_text(encoding="utf-8")
SCRIPTS = (FIXTURES / "scripts.bpmn").read_text(encoding="utf-8")


def test_a_bundle_holds_the_process_and_every_sub_process_it_reaches():
    parsed = parse_bundle({"projection.bpmn": PROJECTION}, {}, "projection")
    assert parsed.process_id == "projection" and parsed.spec.name == "projection"
    # The embedded stage and the called supervision process alike.
    assert set(parsed.subprocess_specs) == {"proj_stage", "proj_supervision"}
    assert [pid for pid, _ in parsed.all_specs()] == ["projection", "proj_stage", "proj_supervision"]
    assert parsed.files == ({"projection.bpmn": PROJECTION}, {})
    assert parsed.subprocess_specs["proj_supervision"].task_specs["supervise"].extensions["properties"] == {
        "form": "supervise", "stage": "supervise"}


def _problems(xml: str, process_id: str = "scripts", name: str = "s.bpmn") -> list:
    with pytest.raises(DeployError) as err:
        parse_bundle({name: xml}, {}, process_id)
    return err.value.problems


def test_malformed_xml_is_refused():
    [(element, message)] = _problems(SCRIPTS.replace("</bpmn:process>", ""))
    assert element is None
    assert message.startswith("XML 格式错误 (malformed XML): Opening and ending tag mismatch")


def test_a_schema_violation_names_the_file_and_line():
    xml = SCRIPTS.replace('<bpmn:endEvent id="end_big">', '<bpmn:endEvent id="end_big" bogus="1">')
    [(element, message)] = _problems(xml)
    assert "'bogus' is not allowed" in message
    assert message.endswith("(s.bpmn line 12)")


def test_a_flow_to_nowhere_names_its_element():
    [(element, message)] = _problems(SCRIPTS.replace('targetRef="end_small"', 'targetRef="nowhere"'))
    assert element == "gw"
    assert "(s.bpmn)" in message


@pytest.mark.parametrize(("xml", "process_id", "missing"), [
    (SCRIPTS, "nope", "nope"),
    (PROJECTION.replace('calledElement="proj_supervision"', 'calledElement="elsewhere"'), "projection", "elsewhere"),
])
def test_a_missing_process_is_named(xml, process_id, missing):
    [(element, message)] = _problems(xml, process_id)
    assert f"The process '{missing}' was not found" in message
