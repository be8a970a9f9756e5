"""What a task page shows besides the case and the empty form: the records of earlier steps and
the values the form starts with.

Both come from definitions an administrator edits, never from the page's code: the user task's
``context`` and ``prefill`` properties in the diagram (engine/definitions/task_properties.py) and
the form definition's ``prefill`` flag (forms/definition.py).
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

import forms
from engine.core.specs import bundle_for
from engine.definitions.form_store import get_form
from engine.definitions.task_properties import (
    CONTEXT,
    PREFILL,
    PropertySyntax,
    evaluate_or_none,
    parse_context,
    parse_prefill,
    user_tasks,
    view_helpers,
)
from engine.models import Department, ProcessInstance, Task

log = logging.getLogger(__name__)
_EMPTY = (None, "", [])


@dataclass
class TaskView:
    # (earlier step's form, its recorded values), in the order the diagram lists them.
    records: list[tuple[forms.FormDefinition, dict[str, Any]]] = field(default_factory=list)
    # field → value the diagram suggests (shown as a suggestion as well as filled in).
    suggested: dict[str, Any] = field(default_factory=dict)
    # What the form starts with, before the person's own draft.
    start: dict[str, Any] = field(default_factory=dict)


def task_view(session, row: Task, form: forms.FormDefinition | None, data: Mapping[str, Any]) -> TaskView:
    instance = session.get(ProcessInstance, row.instance_id)
    tasks = user_tasks(bundle_for(instance.definition))
    props = tasks.get(row.spec, {})
    helpers = view_helpers(dict(session.execute(select(Department.code, Department.name)).all()))
    view = TaskView(records=_records(session, row.spec, props, tasks, data, helpers))
    if form is None:
        return view
    for entry in _parsed(row.spec, parse_prefill, props.get(PREFILL)):
        value = evaluate_or_none(row.spec, entry.expression, data, helpers)
        if entry.field in form.schema["properties"] and value not in _EMPTY:
            view.suggested[entry.field] = value
    if form.prefill:
        view.start = {k: data[k] for k in form.fields if data.get(k) is not None}
    view.start.update(view.suggested)
    return view


def _parsed(element: str, parse, value: str | None) -> list:
    try:
        return parse(value)
    except PropertySyntax as err:  # deploy refuses these; an old version may predate the check
        log.warning("property of %s ignored: %s", element, err)
        return []


def _records(session, element: str, props: dict[str, str], tasks: dict[str, dict[str, str]],
             data: Mapping[str, Any], helpers) -> list[tuple[forms.FormDefinition, dict[str, Any]]]:
    records = []
    for entry in _parsed(element, parse_context, props.get(CONTEXT)):
        earlier = tasks.get(entry.task, {})
        if not earlier.get("form"):
            continue
        if entry.condition and not evaluate_or_none(element, entry.condition, data, helpers):
            continue
        try:
            earlier_form = get_form(session, earlier["form"])
        except forms.FormError:
            log.warning("context of %s: form %s does not load", element, earlier["form"], exc_info=True)
            continue
        # An output variable holds exactly that step's submission; otherwise its fields are in
        # the task data under their own names.
        source = data.get(earlier.get("output") or "")
        source = source if isinstance(source, Mapping) else data
        values = {f: source[f] for f in earlier_form.fields if source.get(f) not in _EMPTY}
        if values:
            records.append((earlier_form, values))
    return records
