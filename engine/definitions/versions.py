"""Deployed versions of a process: validation without saving, history, what changed, roll back.

A version never changes once deployed; rolling back deploys an older version's files again, as a
new version, so that cases started meanwhile keep the one they run on and the history shows who
went back and why.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.core.errors import DeployError, NotFound
from engine.core.runtime import Runtime
from engine.core.specs import MAIN_PROCESS, parse_bundle
from engine.definitions.checks import BPMN_NS, DMN_NAMESPACES, SPIFF_NS
from engine.definitions.deploy import deploy, validate_bundle
from engine.models import ProcessDefinition, ProcessInstance

Files = tuple[dict[str, str], dict[str, str]]


def validate_files(runtime: Runtime, bpmn_files: dict[str, str], dmn_files: dict[str, str],
                   process_id: str = MAIN_PROCESS, session: Session | None = None) -> list[tuple[str | None, str]]:
    """Exactly what deploy would refuse, without storing anything.

    Pass the session deploy will use: without it, forms created in the form editor are unknown.
    """
    try:
        bundle = parse_bundle(bpmn_files, dmn_files, process_id)
    except DeployError as err:
        return err.problems
    return validate_bundle(bundle, runtime, session=session)


# ---------------------------------------------------------------- history


@dataclass
class VersionRow:
    definition: ProcessDefinition
    running: int
    is_latest: bool


def history(session: Session, process_id: str = MAIN_PROCESS) -> list[VersionRow]:
    definitions = list(session.scalars(select(ProcessDefinition).where(ProcessDefinition.process_id == process_id)
                                       .order_by(ProcessDefinition.version.desc())))
    running = dict(session.execute(
        select(ProcessInstance.definition_id, func.count())
        .where(ProcessInstance.status == "running",
               ProcessInstance.definition_id.in_([d.id for d in definitions]))
        .group_by(ProcessInstance.definition_id)).all())
    return [VersionRow(d, running.get(d.id, 0), i == 0) for i, d in enumerate(definitions)]


def get_version(session: Session, process_id: str, version: int) -> ProcessDefinition:
    definition = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.process_id == process_id, ProcessDefinition.version == version)).first()
    if definition is None:
        raise NotFound(f"流程 {process_id} 没有第 {version} 版 (no such version)")
    return definition


def process_ids(session: Session) -> list[str]:
    return list(session.scalars(select(ProcessDefinition.process_id).distinct().order_by(ProcessDefinition.process_id)))


def rollback(session: Session, runtime: Runtime, process_id: str, version: int, *, actor: str,
             comment: str | None) -> ProcessDefinition:
    """Deploy version ``version``'s files again as the newest version."""
    old = get_version(session, process_id, version)
    note = f"回退到第 {version} 版 (rollback to version {version})" + (f"：{comment}" if comment else "")
    definition, _created = deploy(session, runtime, dict(old.bpmn_files), dict(old.dmn_files), process_id=process_id,
                                  deployed_by=actor, comment=note)
    return definition


# ---------------------------------------------------------------- what changed


@dataclass
class Element:
    id: str
    type: str
    name: str
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class Change:
    kind: str  # added | removed | changed
    id: str
    type: str
    name: str
    fields: list[tuple[str, str | None, str | None]] = field(default_factory=list)


# Sub-elements that only describe their parent (a timer's definition, a lane set): their content
# is listed under the parent.
_PART_OF_PARENT = {"timerEventDefinition", "laneSet", "conditionExpression", "extensionElements",
                   "multiInstanceLoopCharacteristics", "standardLoopCharacteristics", "inputDataItem",
                   "outputDataItem", "inputExpression", "inputEntry", "outputEntry", "text"}


def _text(node) -> str:
    return (node.text or "").strip() if node is not None else ""


def _bpmn_elements(root) -> dict[str, Element]:
    found: dict[str, Element] = {}
    lanes: dict[str, str] = {}
    for lane in root.iter(f"{{{BPMN_NS}}}lane"):
        for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes[_text(ref)] = lane.get("name") or lane.get("id")
    for node in root.iter(f"{{{BPMN_NS}}}*"):
        kind = etree.QName(node).localname
        element_id = node.get("id")
        if not element_id or kind in _PART_OF_PARENT or kind.endswith("EventDefinition"):
            continue
        fields: dict[str, str] = {}
        for prop in node.findall(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}properties/{{{SPIFF_NS}}}property"):
            fields[f"property {prop.get('name')}"] = prop.get("value") or ""
        decision = node.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}calledDecisionId")
        if decision is not None:
            fields["decision"] = _text(decision)
        timer = node.find(f"{{{BPMN_NS}}}timerEventDefinition")
        if timer is not None:
            for part in timer:
                fields[f"timer {etree.QName(part).localname}"] = _text(part)
        loop = node.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics")
        if loop is not None:
            fields["multi-instance"] = "sequential" if loop.get("isSequential") == "true" else "parallel"
            for part in loop:
                part_name = etree.QName(part).localname
                fields[f"multi-instance {part_name}"] = part.get("name") or _text(part)
        for tag, label in (("conditionExpression", "condition"), ("script", "script")):
            child = node.find(f"{{{BPMN_NS}}}{tag}")
            if child is not None:
                fields[label] = _text(child)
        for attr in ("sourceRef", "targetRef", "default", "processRef", "calledElement"):
            if node.get(attr):
                fields[attr] = node.get(attr)
        if element_id in lanes:
            fields["lane"] = lanes[element_id]
        found[element_id] = Element(element_id, kind, node.get("name") or "", fields)
    return found


def _dmn_elements(root) -> dict[str, Element]:
    ns = etree.QName(root).namespace
    found: dict[str, Element] = {}

    def q(tag):
        return f"{{{ns}}}{tag}"

    for decision in root.iter(q("decision")):
        found[decision.get("id")] = Element(decision.get("id"), "decision", decision.get("name") or "")
        for table in decision.iter(q("decisionTable")):
            found[table.get("id")] = Element(table.get("id"), "decisionTable", decision.get("name") or "",
                                             {"hitPolicy": table.get("hitPolicy") or "UNIQUE"})
            for col in table.findall(q("input")):
                expr = col.find(q("inputExpression"))
                found[col.get("id")] = Element(col.get("id"), "input", col.get("label") or "", {
                    "expression": _text(expr.find(q("text"))) if expr is not None else "",
                    "typeRef": expr.get("typeRef", "") if expr is not None else ""})
            for col in table.findall(q("output")):
                found[col.get("id")] = Element(col.get("id"), "output", col.get("label") or "", {
                    "name": col.get("name") or "", "typeRef": col.get("typeRef", "")})
            for number, rule in enumerate(table.findall(q("rule")), start=1):
                cells = [_text(e.find(q("text"))) for e in rule.findall(q("inputEntry"))]
                results = [_text(e.find(q("text"))) for e in rule.findall(q("outputEntry"))]
                found[rule.get("id")] = Element(rule.get("id"), "rule", _text(rule.find(q("description"))), {
                    "position": str(number), "when": " | ".join(cells), "then": " | ".join(results)})
    return found


def elements(bpmn_files: dict[str, str], dmn_files: dict[str, str]) -> dict[str, Element]:
    """Every element an administrator edits, by id, with what matters to the engine (no layout)."""
    found: dict[str, Element] = {}
    for xml in list(bpmn_files.values()) + list(dmn_files.values()):
        try:
            root = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False,
                                                                                 no_network=True))
        except etree.XMLSyntaxError:
            continue
        namespace = etree.QName(root).namespace
        found.update(_dmn_elements(root) if namespace in DMN_NAMESPACES else _bpmn_elements(root))
    return found


def diff(old: Files, new: Files) -> list[Change]:
    before, after = elements(*old), elements(*new)
    changes: list[Change] = []
    for element_id, el in after.items():
        was = before.get(element_id)
        if was is None:
            changes.append(Change("added", element_id, el.type, el.name, sorted(
                (k, None, v) for k, v in el.fields.items())))
            continue
        fields = []
        if was.type != el.type:
            fields.append(("type", was.type, el.type))
        if was.name != el.name:
            fields.append(("name", was.name, el.name))
        for key in sorted(set(was.fields) | set(el.fields)):
            if was.fields.get(key) != el.fields.get(key):
                fields.append((key, was.fields.get(key), el.fields.get(key)))
        if fields:
            changes.append(Change("changed", element_id, el.type, el.name or was.name, fields))
    for element_id, was in before.items():
        if element_id not in after:
            changes.append(Change("removed", element_id, was.type, was.name))
    order = {"changed": 0, "added": 1, "removed": 2}
    changes.sort(key=lambda c: (order[c.kind], c.id))
    return changes


def diff_versions(session: Session, process_id: str, old_version: int, new_version: int) -> list[Change]:
    old = get_version(session, process_id, old_version)
    new = get_version(session, process_id, new_version)
    return diff((old.bpmn_files, old.dmn_files), (new.bpmn_files, new.dmn_files))
