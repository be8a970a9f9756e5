"""The user-task properties that say what a task page shows besides the form itself.

``context`` — earlier steps whose records the person reads first: user task ids, comma-separated;
an entry may carry a condition over the task data, ``review if approved is False`` (the review's
record matters to the handler only when the review sent the case back). The record is the
earlier task's form fields as the task data holds them, or its ``output`` variable when it has one.

``prefill`` — form fields filled in from process variables, ``field: expression`` pairs,
comma-separated, e.g. ``department: route_department`` (the routing table's suggestion). The
task page shows these as a suggestion; ``department_name(code)`` turns a department code into
its name for a free-text field.

Expressions are Python, compiled by the same sandbox as every other expression in a diagram; a
variable the task data does not hold reads as None. This module is the one place for the syntax,
the evaluation and the deploy-time checks of both properties.
"""
from __future__ import annotations

import ast
import difflib
import io
import logging
import re
import tokenize
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

import forms
from engine.core.scripting import ScriptRejected, compile_source, guard_globals
from engine.core.specs import properties

CONTEXT = "context"
PREFILL = "prefill"

log = logging.getLogger(__name__)

_CONTEXT_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\s+if\s+(.+))?", re.S)
_PREFILL_ENTRY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+)", re.S)
_BRACKETS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}

Problem = tuple[str | None, str]


class PropertySyntax(ValueError):
    """A context or prefill value that does not follow the syntax; the message says why."""


@dataclass(frozen=True)
class ContextEntry:
    task: str
    condition: str | None = None


@dataclass(frozen=True)
class PrefillEntry:
    field: str
    expression: str


def _entries(value: str) -> list[str]:
    """The value split at its top-level commas (not those inside brackets or strings).

    Tokenized inside one more pair of brackets, so that a value typed over several lines in
    the editor's text box reads as one line would."""
    text = value.strip()
    wrapped = f"({text})"
    line_starts = [0]
    for line in io.StringIO(wrapped).readlines():  # the lines tokenize numbers
        line_starts.append(line_starts[-1] + len(line))
    cuts, depth = [], 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(wrapped).readline):
            if token.type != tokenize.OP:
                continue
            depth += _BRACKETS.get(token.string, 0)
            if token.string == "," and depth == 1:
                cuts.append(line_starts[token.start[0] - 1] + token.start[1] - 1)  # - 1: the "(" added
    except (tokenize.TokenError, SyntaxError) as err:
        raise PropertySyntax(f"括号或引号不成对 (unbalanced brackets or quotes): {err}") from None
    parts, start = [], 0
    for cut in [*cuts, len(text)]:
        parts.append(text[start:cut].strip())
        start = cut + 1
    if any(not p for p in parts) and text:
        raise PropertySyntax("有空的条目 (an entry is empty)")
    return [p for p in parts if p]


def _compiled(expression: str) -> str:
    # An expression over several lines is one expression in brackets, as in Python.
    expression = f"({expression})" if "\n" in expression else expression
    try:
        compile_source(expression, "eval")
    except (ScriptRejected, SyntaxError) as err:
        raise PropertySyntax(f"表达式“{expression}”无法编译 (does not compile): {err}") from None
    return expression


def parse_context(value: str | None) -> list[ContextEntry]:
    entries = []
    for text in _entries(value or ""):
        match = _CONTEXT_ENTRY.fullmatch(text)
        if match is None:
            raise PropertySyntax(f"“{text}”应为“任务id”或“任务id if 条件” (expected 'task_id' or "
                                 f"'task_id if condition')")
        task, condition = match.groups()
        entries.append(ContextEntry(task, _compiled(condition.strip()) if condition else None))
    return entries


def parse_prefill(value: str | None) -> list[PrefillEntry]:
    entries = []
    for text in _entries(value or ""):
        match = _PREFILL_ENTRY.fullmatch(text)
        if match is None:
            raise PropertySyntax(f"“{text}”应为“字段: 表达式” (expected 'field: expression')")
        field, expression = match.groups()
        if field in (e.field for e in entries):
            raise PropertySyntax(f"字段 {field} 出现两次 (field {field!r} is given twice)")
        entries.append(PrefillEntry(field, _compiled(expression.strip())))
    return entries


def syntax_problems(name: str, value: str) -> list[str]:
    """For the XML checks (engine/definitions/checks.py): what is wrong with the value's syntax."""
    try:
        (parse_context if name == CONTEXT else parse_prefill)(value)
    except PropertySyntax as err:
        return [str(err)]
    return []


def page_uses(props: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """(expressions over the task data, fields of the task's own form it fills) one user task's
    context and prefill hold; an unparsable value holds none (deploy refuses it)."""
    try:
        context, prefill = parse_context(props.get(CONTEXT)), parse_prefill(props.get(PREFILL))
    except PropertySyntax:
        return [], []
    return ([e.condition for e in context if e.condition] + [e.expression for e in prefill],
            [e.field for e in prefill])


# ---------------------------------------------------------------- evaluation


def view_helpers(department_names: Mapping[str, str]) -> dict[str, Callable[..., Any]]:
    """The functions these expressions may call; they only read."""

    def department_name(code: Any) -> Any:
        return department_names.get(code, code) if isinstance(code, str) else code

    return {"department_name": department_name}


HELPER_NAMES = frozenset(view_helpers({}))


class _TaskData(dict):
    """Task data as the expression's names: a variable not set (yet) reads as None."""

    def __init__(self, data: Mapping[str, Any], reserved: set[str]):
        # A name the sandbox keeps for itself (``_getattr_`` …) never comes from the data.
        super().__init__({k: v for k, v in data.items() if not k.startswith("_")})
        self._reserved = reserved

    def __missing__(self, key: str):
        if key in self._reserved or key.startswith("_"):
            raise KeyError(key)  # a builtin, a helper or the sandbox's own guard
        return None


def evaluate(expression: str, data: Mapping[str, Any], helpers: Mapping[str, Callable[..., Any]]) -> Any:
    scope = guard_globals()
    scope.update(helpers)
    reserved = set(scope) | set(scope["__builtins__"])
    return eval(compile_source(expression, "eval"), scope, _TaskData(data, reserved))  # noqa: S307 - sandboxed


def evaluate_or_none(element: str, expression: str, data: Mapping[str, Any],
                     helpers: Mapping[str, Callable[..., Any]]) -> Any:
    """The value, or None when it fails: a page shows less rather than failing to open."""
    try:
        return evaluate(expression, data, helpers)
    except Exception:  # any error of a diagram's expression at run time
        log.warning("expression of %s failed: %s", element, expression, exc_info=True)
        return None


# ---------------------------------------------------------------- deploy-time checks


def user_tasks(bundle) -> dict[str, dict[str, str]]:
    """User task id → its properties, across the process and its sub-processes."""
    found: dict[str, dict[str, str]] = {}
    for _pid, spec in bundle.all_specs():
        for ts in spec.task_specs.values():
            if getattr(ts, "bpmn_id", None) and ts.manual:
                found.setdefault(ts.bpmn_id, properties(ts))
    return found


def _names(source: str | None, mode: str) -> set[str]:
    try:
        tree = ast.parse((source or "").strip() if mode == "eval" else source or "", mode=mode)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _sources(ts) -> Iterator[tuple[str | None, str]]:
    """(source, mode) of every script and expression one task spec runs."""
    yield getattr(ts, "script", None), "exec"
    yield getattr(ts, "prescript", None), "exec"
    yield getattr(ts, "postscript", None), "exec"
    for cond, _target in getattr(ts, "cond_task_specs", None) or []:
        args = getattr(cond, "args", None) if cond is not None else None
        yield (args[0] if args and isinstance(args[0], str) else None), "eval"
    event = getattr(ts, "event_definition", None)
    if isinstance(event, TimerEventDefinition):
        yield event.expression, "eval"


def known_variables(bundle, form_fields: Callable[[str], list[str]]) -> set[str]:
    """Every variable the process sets or reads somewhere: its forms' fields, output variables,
    decision-table columns, names in its scripts, conditions and timers, multi-instance items."""
    known: set[str] = set()
    for _pid, spec in bundle.all_specs():
        for ts in spec.task_specs.values():
            props = properties(ts)
            if ts.manual and props.get("form"):
                known.update(form_fields(props["form"]))
            if props.get("output"):
                known.add(props["output"])
            for source, mode in _sources(ts):
                known |= _names(source, mode)
            table = getattr(getattr(ts, "dmnEngine", None), "decision_table", None)
            if table is not None:
                known.update(o.name for o in table.outputs if o.name)
                for column in table.inputs:
                    known |= _names(column.expression, "eval")
            for attr in ("data_input", "data_output", "input_item", "output_item"):
                ref = getattr(ts, attr, None)
                if getattr(ref, "bpmn_id", None):
                    known.add(ref.bpmn_id)
    return known


def _unknown_names(expression: str, known: set[str]) -> list[str]:
    """Names the expression reads that are neither process variables nor callable in it; names it
    binds itself (a comprehension's loop variable, a lambda's argument) are its own."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return []
    own = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    own |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    builtins = set(guard_globals()["__builtins__"])
    return sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
                  - known - own - HELPER_NAMES - builtins)


def _did_you_mean(name: str, choices) -> str:
    hint = difflib.get_close_matches(name, list(choices), n=1)
    return f"，是否应为“{hint[0]}”？(did you mean '{hint[0]}'?)" if hint else ""


def check_task_page_properties(bundle, load_form: Callable[[str], Any]) -> list[Problem]:
    """Context and prefill entries that name a task, field or variable the process does not have.

    ``load_form(name)`` returns the live form definition or raises forms.FormError (a form that
    does not load is reported by the user-task check already)."""
    tasks = user_tasks(bundle)
    titles = {ts.bpmn_id: ts.bpmn_name or ts.bpmn_id for _pid, spec in bundle.all_specs()
              for ts in spec.task_specs.values() if getattr(ts, "bpmn_id", None) in tasks}

    def fields(form_name: str) -> list[str] | None:
        try:
            return list(load_form(form_name).schema["properties"])
        except forms.FormError:  # reported by the user-task check
            return None

    known = known_variables(bundle, lambda name: fields(name) or [])
    problems: list[Problem] = []
    for element, props in tasks.items():
        label = f"“{titles[element]}”的属性"
        try:
            context = parse_context(props.get(CONTEXT))
            prefill = parse_prefill(props.get(PREFILL))
        except PropertySyntax:
            continue  # reported by the XML checks, with the element
        for entry in context:
            if entry.task not in tasks:
                problems.append((element, f"{label} context 指向不存在的用户任务“{entry.task}”"
                                          f"{_did_you_mean(entry.task, tasks)} (context names no user task "
                                          f"{entry.task!r})"))
            for name in _unknown_names(entry.condition or "", known):
                problems.append((element, f"{label} context 的条件使用了流程中没有的变量“{name}”"
                                          f"{_did_you_mean(name, known)} (unknown variable {name!r})"))
        own = fields(props["form"]) if props.get("form") else None
        for entry in prefill:
            if own is not None and entry.field not in own:
                problems.append((element, f"{label} prefill 填写的字段“{entry.field}”不在表单 {props.get('form')} 中"
                                          f"{_did_you_mean(entry.field, own)} (form has no field {entry.field!r})"))
            for name in _unknown_names(entry.expression, known):
                problems.append((element, f"{label} prefill 使用了流程中没有的变量“{name}”"
                                          f"{_did_you_mean(name, known)} (unknown variable {name!r})"))
    return problems
