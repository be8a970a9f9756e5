"""Task forms as the administrator last saved them: versions in the database over the shipped files.

The newest ``form_version`` row of a name is the live form; a name never edited is served from
``forms/definitions``. Every save is a new immutable version, and a save that would break a
deployed diagram (a field its gateways or scripts read disappears, or a choice value they compare
with) is refused, naming the diagram element, before anything is written.

Administrators may also create forms under new names. The shipped file of a name counts as its
version 0, so a created form starts at version 1 and has no version 0.
"""
from __future__ import annotations

import ast
import copy
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptTask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import forms
from engine.core import reference_cache
from engine.core.errors import AdminError, GreenloopError, NotFound, Problem
from engine.core.specs import bundle_for, latest_definition, properties
from engine.definitions import task_properties
from engine.models import ProcessDefinition
from engine.models.form_versions import FormVersion


class FormRefused(GreenloopError):
    """A form edit was refused; ``problems`` lists (diagram element or None, message) pairs."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{el}: {msg}" if el else msg for el, msg in problems))


# (name, version, checksum) -> parsed definition. Versions never change, so entries never go
# stale; a new save is a new key, noticed because every lookup asks for the newest version first.
# The checksum keeps two databases (or a restored one) that reuse a version number apart.
_cache: dict[tuple[str, int, str], forms.FormDefinition] = {}
_SESSION_KEY = "greenloop_forms"
_lock = threading.Lock()


def get_form(session: Session | None, name: str) -> forms.FormDefinition:
    """The live definition of ``name``; without a session, the shipped file only.

    Remembered for the rest of the session: a case timeline asks once per completed task."""
    if session is None:
        return forms.load_form(name)
    seen = session.info.setdefault(_SESSION_KEY, {})
    if name not in seen:
        seen[name] = _live_form(session, name)
    return seen[name]


def _forget(session: Session, name: str) -> None:
    session.info.get(_SESSION_KEY, {}).pop(name, None)


def _newest(session: Session, name: str) -> tuple[int, str] | None:
    row = session.execute(
        select(FormVersion.version, FormVersion.checksum).where(FormVersion.name == name)
        .order_by(FormVersion.version.desc()).limit(1)).first()
    return (row.version, row.checksum) if row else None


def _live_form(session: Session, name: str) -> forms.FormDefinition:
    # Which version is newest is kept per process until a form is saved (engine/core/reference_cache.py).
    newest = reference_cache.cached(session, "form_version", name, lambda: _newest(session, name))
    if newest is None:
        return forms.load_form(name)
    version, checksum = newest
    key = (name, version, checksum)
    with _lock:
        hit = _cache.get(key)
    if hit is None:
        raw = session.scalar(select(FormVersion.definition)
                             .where(FormVersion.name == name, FormVersion.version == version))
        hit = forms.parse_definition(name, raw, source=f"{name} v{version}")
        with _lock:
            _cache[key] = hit
    return hit


def form_names(session: Session) -> list[str]:
    saved = set(session.scalars(select(FormVersion.name).distinct()))
    return sorted(saved | set(forms.available_forms()))


def current_raw(session: Session, name: str) -> dict[str, Any]:
    """The live definition as JSON (what the editor starts from)."""
    row = _newest_row(session, name)
    if row is not None:
        return row.definition
    if name not in forms.available_forms():
        raise NotFound(f"表单 {name} 不存在 (no form named {name})")
    return json.loads((forms.FORMS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def _newest_row(session: Session, name: str) -> FormVersion | None:
    return session.scalars(select(FormVersion).where(FormVersion.name == name)
                           .order_by(FormVersion.version.desc()).limit(1)).first()


def form_history(session: Session, name: str) -> list[FormVersion]:
    """Saved versions, newest first (version 0, the shipped file, is not a row)."""
    return list(session.scalars(select(FormVersion).where(FormVersion.name == name)
                                .order_by(FormVersion.version.desc())))


def checksum(raw: Any) -> str:
    blob = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def save_form(session: Session, name: str, raw: Any, actor: str, comment: str | None,
              now: datetime, base_version: int | None = None) -> tuple[FormVersion | None, bool]:
    """Validate and store a new version; returns (version row, created).

    ``base_version`` is the version the editor started from (0: the shipped file); if someone
    saved since, the save is refused rather than silently undoing their change. Unchanged content
    creates nothing (returns the newest row, or None while the shipped file is still the live
    form). Raises FormRefused listing every problem found.
    """
    if name not in form_names(session):
        # A new name goes through create_form, which checks the name; a typo here must not
        # quietly start a second form.
        raise NotFound(f"表单 {name} 不存在 (no form named {name})")
    _lock_name(session, name)
    latest = _newest_row(session, name)
    if base_version is not None and latest is not None and latest.version != base_version:
        raise FormRefused([(None, f"此表单已由 {latest.created_by} 保存为第 {latest.version} 版，请重新打开后再修改 "
                                  f"({latest.created_by} saved version {latest.version} since you started "
                                  f"editing; reopen the form)")])
    try:
        new = forms.parse_definition(name, raw)
    except forms.InvalidFormDefinition as err:
        raise FormRefused([(None, f"表单定义无效 (invalid definition): {err.message}")]) from None
    old = get_form(session, name)
    digest = checksum(raw)
    if (latest.checksum if latest else checksum(current_raw(session, name))) == digest:
        return latest, False
    problems = usage_problems(session, old, new)
    if problems:
        raise FormRefused(problems)
    row = FormVersion(name=name, version=(latest.version if latest else 0) + 1, definition=raw, checksum=digest,
                      comment=(comment or "").strip() or None, created_by=actor, created_at=now)
    session.add(row)
    _forget(session, name)
    session.flush()
    return row, True


def _lock_name(session: Session, name: str) -> None:
    if session.bind.dialect.name == "postgresql":
        # Two saves (or creations) of one name at once would both take the next version number;
        # the second waits here and then sees the first (and is refused by the version or name check).
        session.execute(select(func.pg_advisory_xact_lock(func.hashtext("form_version:" + name))))


# ---------------------------------------------------------------- new forms

# Stricter than the names the forms package loads (two characters at least, fits the column):
# the name is typed once here and then referenced from diagrams, so it stays a plain slug.
NEW_NAME = re.compile(r"[a-z][a-z0-9_]{1,62}")


def name_problems(session: Session, name: str) -> list[Problem]:
    if not name:
        return [Problem("form_name_missing")]
    if not NEW_NAME.fullmatch(name):
        return [Problem("form_name_pattern")]
    if name in form_names(session):
        return [Problem("form_name_taken", name=name)]
    return []


def blank_definition(name: str, title: dict[str, str]) -> dict[str, Any]:
    """A form with one optional notes field: the smallest definition that parses and renders."""
    return {
        "name": name,
        "title": dict(title),
        "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                   "additionalProperties": False,
                   "properties": {"note": {"type": "string", "maxLength": 2000}}},
        "ui": {"order": ["note"],
               "fields": {"note": {"widget": "textarea", "label": {"zh_CN": "说明", "en": "Notes"}}}},
    }


def starting_definition(session: Session, name: str, title: dict[str, str],
                        source: str | None) -> dict[str, Any]:
    """What a new form starts as: blank, or a copy of ``source``'s live definition, under the
    new name and title. Raises AdminError naming the fields (name, title_zh, title_en, source)."""
    problems: dict[str, list[Problem]] = {"name": name_problems(session, name)}
    for key, lang in (("title_zh", "zh_CN"), ("title_en", "en")):
        if not title.get(lang, "").strip():
            problems[key] = [Problem("form_title_missing")]
    if source and source not in form_names(session):
        problems["source"] = [Problem("form_source_unknown", name=source)]
    if any(problems.values()):
        raise AdminError(problems)
    title = {lang: title[lang].strip() for lang in ("zh_CN", "en")}
    if not source:
        return blank_definition(name, title)
    raw = copy.deepcopy(current_raw(session, source))
    raw.update(name=name, title=title)
    return raw


def create_form(session: Session, name: str, raw: Any, actor: str, comment: str | None,
                now: datetime) -> FormVersion:
    """Store a form under a new name as its version 1.

    Raises AdminError (field ``name``) for a name that breaks the rules or is taken, and
    FormRefused when the definition does not parse. Nothing uses the form until a diagram
    names it, so there is nothing else to check.
    """
    _lock_name(session, name)
    problems = name_problems(session, name)
    if problems:
        raise AdminError({"name": problems})
    try:
        forms.parse_definition(name, raw)
    except forms.InvalidFormDefinition as err:
        raise FormRefused([(None, f"表单定义无效 (invalid definition): {err.message}")]) from None
    row = FormVersion(name=name, version=1, definition=raw, checksum=checksum(raw),
                      comment=(comment or "").strip() or None, created_by=actor, created_at=now)
    session.add(row)
    _forget(session, name)
    session.flush()
    return row


# ---------------------------------------------------------------- what deployed diagrams read


@dataclass(frozen=True)
class Reference:
    process_id: str
    element: str
    element_name: str
    field: str
    values: frozenset  # constants the element compares the field with (empty: only its presence)


def _constants(node: ast.AST) -> list[Any] | None:
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(isinstance(e, ast.Constant) for e in node.elts):
        return [e.value for e in node.elts]
    return None


def _references(source: str) -> dict[str, set]:
    """Names an expression or script reads, each with the constants it is compared with.

    A name tested for truth (``approved``, ``not approved``, ``a and b``) stands for both
    booleans, so a boolean field turned into text is caught too.
    """
    try:
        tree = ast.parse(source.strip())
    except SyntaxError:
        return {}
    found: dict[str, set] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found.setdefault(node.id, set())
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for a, b in zip(operands, operands[1:], strict=False):
                for name, other in ((a, b), (b, a)):
                    values = _constants(other)
                    if isinstance(name, ast.Name) and values is not None:
                        found.setdefault(name.id, set()).update(values)
        truth_tests = []
        if isinstance(node, (ast.If, ast.While, ast.IfExp)):
            truth_tests.append(node.test)
        elif isinstance(node, ast.BoolOp):
            truth_tests.extend(node.values)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            truth_tests.append(node.operand)
        elif isinstance(node, ast.Expr):
            # A gateway condition parses as one bare expression statement: it is the test.
            truth_tests.append(node.value)
        for test in truth_tests:
            if isinstance(test, ast.Name):
                found.setdefault(test.id, set()).update((True, False))
    return found


def _sources(ts) -> list[str]:
    out = []
    if ts.manual:  # what the task page evaluates: which earlier records it shows, what it suggests
        out.extend(task_properties.page_uses(ts.extensions.get("properties", {}))[0])
    if isinstance(ts, ExclusiveGateway):
        for cond, _target in ts.cond_task_specs:
            source = getattr(cond, "args", [None])[0] if cond is not None else None
            if isinstance(source, str):
                out.append(source)
    if isinstance(ts, ScriptTask) and ts.script:
        out.append(ts.script)
    return out


def diagram_references(bundle) -> tuple[set[str], list[Reference]]:
    """(forms the diagram's user tasks name, field uses of its gateways, scripts and task pages)."""
    used: set[str] = set()
    refs: list[Reference] = []
    for process_id, spec in bundle.all_specs():
        for ts in spec.task_specs.values():
            if not getattr(ts, "bpmn_id", None):
                continue
            if ts.manual:
                name = properties(ts).get("form")
                if name:
                    used.add(name)
                _expressions, filled = task_properties.page_uses(ts.extensions.get("properties", {}))
                refs.extend(Reference(process_id, ts.bpmn_id, ts.bpmn_name or ts.bpmn_id, field, frozenset())
                            for field in filled)
            for source in _sources(ts):
                reads = _references(source)
                refs.extend(Reference(process_id, ts.bpmn_id, ts.bpmn_name or ts.bpmn_id, field, frozenset(values))
                            for field, values in reads.items())
    return used, refs


def _domain(spec: dict[str, Any]) -> list[Any] | None:
    """Every value a field can hold, when it is a closed set (an enum or a boolean)."""
    if "enum" in spec:
        return list(spec["enum"])
    items = spec.get("items")
    if spec.get("type") == "array" and isinstance(items, dict) and "enum" in items:
        return list(items["enum"])
    if spec.get("type") == "boolean":
        return [True, False]
    return None


def _holds(domain: list[Any], value: Any) -> bool:
    # True == 1 in Python; a boolean choice and the number 1 are different answers in a form.
    return any(type(v) is type(value) and v == value for v in domain)


def usage_problems(session: Session, old: forms.FormDefinition,
                   new: forms.FormDefinition) -> list[tuple[str | None, str]]:
    """What the change would break in the newest deployed version of every process."""
    problems: list[tuple[str | None, str]] = []
    old_props, new_props = old.schema["properties"], new.schema["properties"]
    for process_id in session.scalars(select(ProcessDefinition.process_id).distinct()):
        definition = latest_definition(session, process_id)
        used, refs = diagram_references(bundle_for(definition))
        if old.name not in used:
            continue
        where = f"{process_id} v{definition.version}"
        for ref in refs:
            if ref.field not in old_props:
                continue
            label = f"“{ref.element_name}”({ref.element}, {where})"
            if ref.field not in new_props:
                problems.append((ref.element, f"流程元素{label}使用字段 {ref.field}，不能删除该字段 "
                                              f"(diagram element uses field {ref.field!r}; it cannot be removed)"))
                continue
            before, after = _domain(old_props[ref.field]), _domain(new_props[ref.field])
            if after is None:
                continue
            for value in sorted(ref.values, key=repr):
                if before is not None and _holds(before, value) and not _holds(after, value):
                    shown = json.dumps(value, ensure_ascii=False)
                    problems.append((ref.element, f"流程元素{label}判断字段 {ref.field} 是否等于 {shown}，"
                                                  f"不能删除该选项 (diagram element compares {ref.field!r} with "
                                                  f"{shown}; that choice cannot be removed)"))
    return list(dict.fromkeys(problems))  # two flows of one gateway may test the same value


def form_usage(session: Session) -> dict[str, list[str]]:
    """Form name → the deployed diagrams (newest version of each process) whose user tasks use it."""
    usage: dict[str, list[str]] = {}
    for process_id in session.scalars(select(ProcessDefinition.process_id).distinct().order_by(
            ProcessDefinition.process_id)):
        definition = latest_definition(session, process_id)
        used, _refs = diagram_references(bundle_for(definition))
        for name in used:
            usage.setdefault(name, []).append(f"{process_id} v{definition.version}")
    return usage
