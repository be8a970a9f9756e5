"""Checks beyond what SpiffWorkflow's parser refuses: greenloop's own extension properties and
the decision tables' hit policy, types and cells.

Both read the XML, not the parsed specs: a mistyped property sits on any element (a lane, a
sub-process) and the parser keeps DMN types only as strings, so the files are the one place
where every element id an administrator can click on is known.
"""
from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass

from lxml import etree

from engine.core.scripting import BUILTIN_NAMES, ScriptRejected, compile_source
from engine.core.specs import properties
from engine.definitions import task_properties
from engine.models import STAGES, TOP_TIER
from engine.vocabulary.document_kinds import DOCUMENT_PROPERTY, KINDS, unknown_kinds

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
# bpmn-js may write either DMN 1.3 or the older namespaces; SpiffWorkflow reads them all.
DMN_NAMESPACES = ("https://www.omg.org/spec/DMN/20191111/MODEL/", "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
                  "http://www.omg.org/spec/DMN/20180521/MODEL/", "https://www.omg.org/spec/DMN/20230324/MODEL/")

# warning / deadline: the case's stage limits (a stage's timers); escalation: a task's own limit that
# leaves the case's stage alone (a process beside the case's loop); task_warning: that task's own
# warning (engine/core/projection.py first_limits).
TIMER_ROLES = ("warning", "deadline", "escalation", "task_warning")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

TASKS = {"userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask", "task", "sendTask",
         "receiveTask", "callActivity"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
FLOW_NODES = TASKS | EVENTS | {"subProcess"}


@dataclass(frozen=True)
class PropertyRule:
    """Where a greenloop property may stand and what it means (shown in the editor too)."""
    elements: frozenset[str]
    help: str
    timer_only: bool = False
    long: bool = False  # a list of expressions: the editor gives it a text box


PROPERTIES: dict[str, PropertyRule] = {
    "form": PropertyRule(frozenset({"userTask"}), "表单名称 (form the task shows)"),
    "stage": PropertyRule(frozenset({"userTask", "subProcess"}), "办理阶段 (stage: " + ", ".join(STAGES) + ")"),
    "tier": PropertyRule(frozenset({"userTask"}), f"办理层级 1–{TOP_TIER} (tier that works the task)"),
    "output": PropertyRule(frozenset({"userTask"}), "把表单结果存入的变量名 (variable that receives the form)"),
    "timer": PropertyRule(frozenset(EVENTS), "定时器用途 (timer role: " + " | ".join(TIMER_ROLES) + ")",
                          timer_only=True),
    "document": PropertyRule(frozenset(FLOW_NODES), "本步骤出具的文书，逗号分隔 (documents this step issues)"),
    task_properties.CONTEXT: PropertyRule(
        frozenset({"userTask"}), "先显示哪些前序环节的记录：用户任务 id，逗号分隔，可加条件，如 assign, review if "
                                 "approved is False (earlier tasks whose records this task shows first)", long=True),
    task_properties.PREFILL: PropertyRule(
        frozenset({"userTask"}), "用流程变量预填表单并显示为建议：字段: 表达式，逗号分隔，如 department: route_department；"
                                 "department_name(编码) 得部门名称 (form fields suggested from process variables)",
                                 long=True),
}

# SpiffWorkflow's DMN engine knows only these two (UNIQUE returns the first match).
HIT_POLICIES = ("UNIQUE", "COLLECT")
TYPE_REFS = ("", "string", "integer", "long", "double", "number", "boolean", "date")
_LITERAL_TYPES = {"string": (str,), "integer": (int,), "long": (int,), "double": (int, float),
                  "number": (int, float), "boolean": (bool,)}

Problem = tuple[str | None, str]


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _parse(xml: str):
    try:
        return etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False,
                                                                             no_network=True))
    except etree.XMLSyntaxError:
        return None  # the BPMN/DMN parser already reported it, with the line


def check_files(bpmn_files: dict[str, str], dmn_files: dict[str, str],
                callable_names: frozenset[str] | None = None) -> list[Problem]:
    """``callable_names``: what a decision table's cells may call (see unknown_calls); None
    leaves calls unchecked."""
    problems: list[Problem] = []
    for xml in bpmn_files.values():
        root = _parse(xml)
        if root is not None:
            problems += check_properties(root)
    for xml in dmn_files.values():
        root = _parse(xml)
        if root is not None:
            problems += check_decision_tables(root, callable_names)
    return problems


# ---------------------------------------------------------------- what a source calls


def unknown_calls(source: str, mode: str, callable_names: frozenset[str]) -> list[str]:
    """The names ``source`` calls as functions that are none of ``callable_names`` (the diagram's
    functions and the sandbox's builtins) and that the source does not bind itself (a ``def``,
    an assignment, a lambda's or a loop's variable). Task data is JSON and never holds a function,
    so such a call fails at run time, for every case that reaches it: deploy refuses it instead."""
    try:
        tree = ast.parse(source, mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # compile_source reports it
    bound: set[str] = set()
    called: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            called.append(node.func.id)
    return list(dict.fromkeys(name for name in called if name not in callable_names and name not in bound))


def undefined_call_message(names: list[str], callable_names: frozenset[str]) -> str:
    """One message for the names unknown_calls found, with the diagram's own functions listed."""
    hints = [hint for name in names for hint in difflib.get_close_matches(name, callable_names, n=1)]
    offered = ", ".join(sorted(n for n in callable_names - BUILTIN_NAMES if not n.startswith("_")))
    listed = ", ".join(f"{n}()" for n in names)
    guess = f"；是否应为 {hints[0]}()？(did you mean {hints[0]}()?)" if hints else ""
    return (f"调用了未定义的函数 {listed}{guess} (calls undefined function {listed}; "
            f"a diagram may call: {offered}, and Python's basic built-ins)")


# ---------------------------------------------------------------- BPMN extension properties


def _owner(prop_element):
    """The BPMN element a spiffworkflow:property belongs to (property < properties < extensionElements < it)."""
    node = prop_element
    while node is not None and _local(node.tag) != "extensionElements":
        node = node.getparent()
    return node.getparent() if node is not None else None


def check_properties(root) -> list[Problem]:
    problems: list[Problem] = []
    for prop in root.iter(f"{{{SPIFF_NS}}}property"):
        owner = _owner(prop)
        if owner is None:
            continue
        element, kind = owner.get("id"), _local(owner.tag)
        label = owner.get("name") or element
        name, value = (prop.get("name") or "").strip(), (prop.get("value") or "").strip()
        rule = PROPERTIES.get(name)
        if rule is None:
            hint = difflib.get_close_matches(name, PROPERTIES, n=1)
            suggestion = f"，是否应为“{hint[0]}”？(did you mean '{hint[0]}'?)" if hint else ""
            problems.append((element, f"“{label}”的属性“{name}”无法识别{suggestion} "
                                      f"(unknown property '{name}'; known: {', '.join(PROPERTIES)})"))
            continue
        is_timer = owner.find(f"{{{BPMN_NS}}}timerEventDefinition") is not None
        if kind not in rule.elements or (rule.timer_only and not is_timer):
            problems.append((element, f"属性“{name}”不能用在“{label}”({kind}) 上 "
                                      f"(property '{name}' does not apply to a {kind})"))
            continue
        problems += [(element, f"“{label}”的属性 {name}={value!r} 无效 (invalid value): {msg}")
                     for msg in _value_problems(name, value)]
    return problems


def _value_problems(name: str, value: str) -> list[str]:
    if not value and name != "document":
        return ["值为空 (empty)"]
    if name == "timer" and value not in TIMER_ROLES:
        return [" | ".join(TIMER_ROLES)]
    if name == "stage" and value not in STAGES:
        return [", ".join(STAGES)]
    if name == "tier" and not (value.isdigit() and 1 <= int(value) <= TOP_TIER):
        return [f"1–{TOP_TIER}"]
    if name == "output" and not _IDENTIFIER.fullmatch(value):
        return ["需为变量名 (must be a variable name)"]
    if name in (task_properties.CONTEXT, task_properties.PREFILL):
        return task_properties.syntax_problems(name, value)
    return []


def document_kinds() -> dict[str, dict]:
    """The document kinds a step may issue (the editor offers them as checkboxes)."""
    return KINDS


def check_document_properties(bundle) -> list[Problem]:
    """A kind greenloop cannot produce is refused at deploy, naming the element, rather than
    silently issuing nothing when a case gets there."""
    problems = []
    known = "、".join(KINDS)
    for _pid, spec in bundle.all_specs():
        for ts in spec.task_specs.values():
            element = getattr(ts, "bpmn_id", None)
            if not element:
                continue
            for kind in unknown_kinds(properties(ts).get(DOCUMENT_PROPERTY)):
                problems.append((element, f"未知的文书类型“{kind}” (unknown document kind {kind!r}; known: {known})"))
    return problems


# ---------------------------------------------------------------- decision tables


def check_decision_tables(root, callable_names: frozenset[str] | None = None) -> list[Problem]:
    ns = etree.QName(root).namespace
    if ns not in DMN_NAMESPACES:
        return [(root.get("id"), f"不支持的 DMN 命名空间 (unsupported DMN namespace) {ns}")]
    problems: list[Problem] = []
    for table in root.iter(f"{{{ns}}}decisionTable"):
        problems += _check_table(table, ns)
        if callable_names is not None:
            problems += _table_calls(table, ns, callable_names)
    return problems


def _table_calls(table, ns: str, callable_names: frozenset[str]) -> list[Problem]:
    problems: list[Problem] = []
    for tag in ("inputExpression", "inputEntry", "outputEntry"):
        for node in table.iter(_q(ns, tag)):
            source = _QUESTION.sub("value", (node.findtext(_q(ns, "text")) or "").strip())
            if source in ("", "-"):
                continue
            names = unknown_calls(source, "eval", callable_names)
            if names:
                owner = node if node.get("id") else node.getparent()
                problems.append((owner.get("id"), undefined_call_message(names, callable_names)))
    return problems


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def _check_table(table, ns: str) -> list[Problem]:
    problems: list[Problem] = []
    table_id = table.get("id")
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    if policy not in HIT_POLICIES:
        problems.append((table_id, f"命中策略 {policy} 不受支持，只能用 {' / '.join(HIT_POLICIES)} "
                                   f"(hit policy not supported)"))
    inputs = table.findall(_q(ns, "input"))
    outputs = table.findall(_q(ns, "output"))
    input_types = []
    for col in inputs:
        expr = col.find(_q(ns, "inputExpression"))
        type_ref = expr.get("typeRef", "") if expr is not None else ""
        input_types.append(type_ref)
        problems += _type_problem(col.get("id"), col.get("label"), type_ref)
        text = expr.findtext(_q(ns, "text")) if expr is not None else None
        if not (text or "").strip():
            problems.append((col.get("id"), f"输入列“{col.get('label') or col.get('id')}”没有表达式 "
                                            f"(input column has no expression)"))
        else:
            problems += _compile(col.get("id"), text, "输入表达式 input expression")
    output_types = []
    for col in outputs:
        type_ref = col.get("typeRef", "")
        output_types.append(type_ref)
        problems += _type_problem(col.get("id"), col.get("label"), type_ref)
        if not _IDENTIFIER.fullmatch(col.get("name") or ""):
            problems.append((col.get("id"), f"输出列“{col.get('label') or col.get('id')}”需要一个变量名 "
                                            f"(output column needs a variable name)"))
    for number, rule in enumerate(table.findall(_q(ns, "rule")), start=1):
        entries_in = rule.findall(_q(ns, "inputEntry"))
        entries_out = rule.findall(_q(ns, "outputEntry"))
        if len(entries_in) != len(inputs) or len(entries_out) != len(outputs):
            problems.append((rule.get("id"), f"第 {number} 条规则的单元格数与列数不符 (rule {number}: cell count "
                                             f"does not match the columns)"))
            continue
        for entry in entries_in:
            problems += _input_cell(entry.get("id"), number, entry.findtext(_q(ns, "text")))
        for entry, type_ref in zip(entries_out, output_types, strict=True):
            problems += _output_cell(entry.get("id"), number, entry.findtext(_q(ns, "text")), type_ref)
    return problems


def _type_problem(element: str | None, label: str | None, type_ref: str) -> list[Problem]:
    if type_ref in TYPE_REFS:
        return []
    return [(element, f"列“{label or element}”的类型 {type_ref!r} 无效，可用 {', '.join(t for t in TYPE_REFS if t)} "
                      f"(invalid type)")]


def _compile(element: str | None, source: str, what: str) -> list[Problem]:
    try:
        compile_source(source.strip(), "eval")
    except (ScriptRejected, SyntaxError) as err:
        return [(element, f"{what}“{source.strip()}”无法编译 (does not compile): {err}")]
    return []


# The engine swaps "?" outside quotes for the input's value (DMNEngine.evaluate).
_QUESTION = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


def _input_cell(element: str | None, number: int, text: str | None) -> list[Problem]:
    cell = (text or "").strip()
    if cell in ("", "-"):
        return []
    source = _QUESTION.sub("value", cell)
    # Either a value compared with == ("noise", 3) or a comparison missing its left side (>= 1000).
    for candidate in (source, f"value {source}"):
        try:
            compile_source(candidate, "eval")
            return []
        except (ScriptRejected, SyntaxError):
            continue
    return [(element, f"第 {number} 条规则的条件“{cell}”无法理解（单元格是 Python 表达式，如 \"noise\"、>= 1000、"
                      f"? in (\"a\", \"b\")）(rule {number}: input cell does not compile)")]


def _output_cell(element: str | None, number: int, text: str | None, type_ref: str) -> list[Problem]:
    cell = (text or "").strip()
    if not cell:
        return []
    problems = _compile(element, cell, f"第 {number} 条规则的结果 rule {number} output")
    if problems:
        return problems
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        return []  # an expression: its type is only known when it runs
    expected = _LITERAL_TYPES.get(type_ref)
    if expected and value is not None and not (isinstance(value, expected) and
                                               not (isinstance(value, bool) and bool not in expected)):
        return [(element, f"第 {number} 条规则的结果 {cell} 不是 {type_ref} 类型 "
                          f"(rule {number}: output is not of type {type_ref})")]
    return []
