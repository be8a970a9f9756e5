"""Task forms in HTML: widgets from a form definition, and submitted strings back to JSON types.

The definition (forms/definitions/*.json) is the single source of labels, choices and rules;
this module only decides how each widget looks and how its strings become the JSON values the
schema expects. Validation itself stays in the engine (complete_task → forms.validate).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms import FormDefinition, file_options

ALL = "__all__"  # errors that belong to no single field
_LOCAL_DT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
_INT = re.compile(r"[+-]?\d{1,15}")


@dataclass
class FormField:
    name: str
    widget: str
    type: str
    label: str
    help: str | None
    required: bool
    value: Any  # a string, or a list of strings for multi-valued fields
    errors: list[str] = field(default_factory=list)
    choices: list[tuple[str, str]] = field(default_factory=list)
    multiple: bool = False
    attrs: dict[str, Any] = field(default_factory=dict)
    files: list[Any] = field(default_factory=list)  # a file field's kept attachments

    @property
    def id(self) -> str:
        return f"f-{self.name}"

    def selected(self, value: str) -> bool:
        return value in self.value if isinstance(self.value, list) else value == self.value


def _widget(form: FormDefinition, name: str) -> str:
    return form.ui["fields"][name]["widget"]


def _spec(form: FormDefinition, name: str) -> dict:
    return form.schema["properties"][name]


def _choice_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _choices(form: FormDefinition, name: str, lang: str, departments: list[tuple[str, str]]):
    widget, spec = _widget(form, name), _spec(form, name)
    if widget in ("department", "departments"):
        return departments
    values = spec.get("enum") or spec.get("items", {}).get("enum")
    if values is None and spec["type"] == "boolean" and form.ui["fields"][name].get("choices"):
        values = [True, False]
    return [(_choice_key(v), form.choice_label(name, v, lang)) for v in values or []]


def _attrs(spec: dict) -> dict[str, Any]:
    attrs = {}
    if "maxLength" in spec:
        attrs["maxlength"] = spec["maxLength"]
    for key, attr in (("minimum", "min"), ("maximum", "max")):
        if key in spec:
            attrs[attr] = spec[key]
    if spec.get("type") == "integer":
        attrs["step"] = 1
    return attrs


# accept word (forms/definition.FILE_ACCEPT) → the file input's accept list
_ACCEPT = {"image": "image/*", "pdf": "application/pdf"}


def _file_attrs(form: FormDefinition, name: str) -> dict[str, Any]:
    accept, max_files, in_reply = file_options(form, name)
    return {"accept": ",".join(_ACCEPT[a] for a in accept), "max_files": max_files, "in_reply": in_reply}


def build_fields(form: FormDefinition, values: dict[str, Any], errors: dict[str, list[str]], lang: str,
                 departments: list[tuple[str, str]], files: dict[int, Any] | None = None) -> list[FormField]:
    """View models for every field in the definition's order, carrying value and messages.
    ``files``: the task's attachments by id, for the file fields' kept files."""
    required = set(form.schema.get("required", []))
    lang_key = "en" if lang == "en" else "zh_CN"
    result = []
    for name in form.fields:
        spec, ui = _spec(form, name), form.ui["fields"][name]
        multiple = spec["type"] == "array"
        default: Any = [] if multiple else ""
        value = values.get(name, default)
        kept = []
        if ui["widget"] == "file":
            kept = [files[int(v)] for v in value if str(v).isdigit() and int(v) in (files or {})]
        result.append(FormField(
            name=name, widget=ui["widget"], type=spec["type"], label=form.label(name, lang),
            help=ui["help"][lang_key] if "help" in ui else None, required=name in required,
            value=value, errors=list(errors.get(name, [])),
            choices=_choices(form, name, lang, departments), multiple=multiple,
            attrs=_file_attrs(form, name) if ui["widget"] == "file" else _attrs(spec), files=kept))
    return result


# ---------------------------------------------------------------- submitted strings → JSON


def _number(raw: str, integer: bool) -> Any:
    if _INT.fullmatch(raw):
        return int(raw)
    if integer:
        return raw  # left as text so the validator says "must be a whole number"
    try:
        return float(raw)
    except ValueError:
        return raw


def _scalar(raw: str, typ: str, widget: str, tz: ZoneInfo) -> Any:
    if typ == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if typ in ("integer", "number"):
        return _number(raw, typ == "integer")
    if widget == "datetime" and _LOCAL_DT.fullmatch(raw):
        # <input type=datetime-local> sends wall-clock time; the schema wants an offset.
        return datetime.fromisoformat(raw).replace(tzinfo=tz).isoformat()
    return raw


def parse_submission(form: FormDefinition, submitted: MultiDict, tz: str | ZoneInfo, *,
                     keep_unchecked: bool = False) -> dict[str, Any]:
    """The JSON object the schema expects, from a form post. Fields left blank are omitted.

    An unticked checkbox is omitted rather than sent as false: "更正紧急程度" unticked means
    "no correction", and false would silently clear an urgent case's urgency. A required one
    (or a draft, with ``keep_unchecked``) records false.
    """
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    required = set(form.schema.get("required", []))
    data: dict[str, Any] = {}
    for name in form.fields:
        spec, widget = _spec(form, name), _widget(form, name)
        if spec["type"] == "array":
            item_type = spec.get("items", {}).get("type", "string")
            items = [v.strip() for v in submitted.getlist(name) if v.strip()]
            if items:
                data[name] = [_scalar(v, item_type, widget, zone) for v in items]
            continue
        raw = (submitted.get(name) or "").strip()
        if spec["type"] == "boolean" and widget == "checkbox":
            if raw:
                data[name] = True
            elif keep_unchecked or name in required:
                data[name] = False
            continue
        if raw:
            data[name] = _scalar(raw, spec["type"], widget, zone)
    return data


def submitted_values(form: FormDefinition, submitted: MultiDict) -> dict[str, Any]:
    """Exactly what the person typed, to show again beside the error messages."""
    return {name: (submitted.getlist(name) if _spec(form, name)["type"] == "array" else submitted.get(name, ""))
            for name in form.fields}


# ---------------------------------------------------------------- JSON values → strings


def _display(value: Any, widget: str, tz: ZoneInfo) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if widget == "datetime" and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError:
            return value
        if moment.tzinfo is not None:
            return moment.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
    return str(value)


def to_display(form: FormDefinition, data: dict[str, Any], tz: str | ZoneInfo) -> dict[str, Any]:
    """Stored values (task data, a draft) as the strings the widgets show."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    values: dict[str, Any] = {}
    for name in form.fields:
        value = data.get(name)
        if value is None:
            continue
        widget = _widget(form, name)
        if isinstance(value, list):
            values[name] = [_display(v, widget, zone) for v in value]
        else:
            values[name] = _display(value, widget, zone)
    return values


def display_value(form: FormDefinition, name: str, value: Any, lang: str,
                  departments: dict[str, str]) -> str:
    """Read-only text for a value of this form (the earlier steps shown on a task page)."""
    widget = _widget(form, name)
    items = value if isinstance(value, list) else [value]
    sep = ", " if lang == "en" else "、"
    if widget in ("department", "departments"):
        return sep.join(departments.get(str(v), str(v)) for v in items)
    if form.ui["fields"][name].get("choices"):
        return sep.join(form.choice_label(name, v, lang) for v in items)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return sep.join(str(v) for v in items)
