"""The administrator's structured form editor, to and from a form definition (JSON).

The editor shows what most edits need (fields, their kind, labels and help in Chinese and
English, required, choices, whether the form starts prefilled). Everything it does not show
(length limits, conditional rules in ``allOf``, special widgets) is carried over from the
definition being edited, so a save from the structured editor never loses what a power user
wrote in the JSON tab.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from forms.definition import FILE_ACCEPT, FILE_MAX

# Widgets offered for new fields, with the JSON Schema each one starts from.
KINDS: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "maxLength": 200},
    "textarea": {"type": "string", "maxLength": 10000},
    "radio": {"type": "string"},
    "select": {"type": "string"},
    "checkbox": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "number": {"type": "integer"},
    # Photos and documents uploaded in the task (engine/cases/evidence.py): attachment ids.
    "file": {"type": "array", "items": {"type": "integer"}, "maxItems": 10},
}
CHOICE_WIDGETS = frozenset({"radio", "select"})
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass
class EditorField:
    key: str  # the field's name in the definition being edited ("" for a new field)
    name: str
    widget: str
    label_zh: str = ""
    label_en: str = ""
    help_zh: str = ""
    help_en: str = ""
    required: bool = False
    choices: str = ""  # one "value | 中文 | English" per line
    # A file field's options (forms/definition._check_file_field).
    accept: list[str] = field(default_factory=lambda: sorted(FILE_ACCEPT))
    max_files: str = "10"
    in_reply: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def special(self) -> bool:
        """A widget only the JSON tab edits (department pickers, case references, ...)."""
        return self.widget not in KINDS


@dataclass
class EditorState:
    title_zh: str
    title_en: str
    fields: list[EditorField]
    base: dict[str, Any]  # the definition being edited
    prefill: bool = True  # False: the form records one person's decision (forms/definition.py)

    @property
    def has_errors(self) -> bool:
        return any(f.errors for f in self.fields)


def _choice_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def from_definition(raw: dict[str, Any]) -> EditorState:
    ui = raw["ui"]
    required = set(raw["schema"].get("required", []))
    fields = []
    for name in ui["order"]:
        fui = ui["fields"][name]
        help_ = fui.get("help", {})
        choices = "\n".join(f"{value} | {text['zh_CN']} | {text['en']}" for value, text in fui.get("choices", {}).items())
        fields.append(EditorField(key=name, name=name, widget=fui["widget"], label_zh=fui["label"]["zh_CN"],
                                  label_en=fui["label"]["en"], help_zh=help_.get("zh_CN", ""),
                                  help_en=help_.get("en", ""), required=name in required, choices=choices,
                                  accept=list(fui.get("accept", sorted(FILE_ACCEPT))),
                                  max_files=str(fui.get("max_files", 10)), in_reply=bool(fui.get("in_reply"))))
    return EditorState(raw["title"]["zh_CN"], raw["title"]["en"], fields, raw, prefill=raw.get("prefill", True))


def from_post(posted: MultiDict, base: dict[str, Any]) -> EditorState:
    """The editor as the administrator left it (``f-N-...`` inputs, N = row number)."""
    rows = sorted({int(k.split("-")[1]) for k in posted if re.fullmatch(r"f-\d+-name", k)})
    fields = []
    for n in rows:
        def get(key: str, n: int = n) -> str:
            return (posted.get(f"f-{n}-{key}") or "").strip()

        fields.append(EditorField(key=get("key"), name=get("name"), widget=get("widget") or "text",
                                  label_zh=get("label_zh"), label_en=get("label_en"), help_zh=get("help_zh"),
                                  help_en=get("help_en"), required=bool(posted.get(f"f-{n}-required")),
                                  choices=posted.get(f"f-{n}-choices") or "",
                                  accept=[a for a in posted.getlist(f"f-{n}-accept") if a in FILE_ACCEPT],
                                  max_files=get("max_files") or "10", in_reply=bool(posted.get(f"f-{n}-in_reply"))))
    return EditorState((posted.get("title_zh") or "").strip(), (posted.get("title_en") or "").strip(), fields, base,
                       prefill=not posted.get("no_prefill"))


def apply_op(state: EditorState, op: str) -> None:
    """Add, remove or move a field row (the editor's buttons), in place."""
    verb, _sep, index = op.partition(":")
    if verb == "add":
        state.fields.append(EditorField(key="", name=f"field_{len(state.fields) + 1}", widget="text"))
        return
    if not index.isdigit() or int(index) >= len(state.fields):
        return
    i = int(index)
    if verb == "remove":
        del state.fields[i]
    elif verb == "up" and i > 0:
        state.fields[i - 1], state.fields[i] = state.fields[i], state.fields[i - 1]
    elif verb == "down" and i + 1 < len(state.fields):
        state.fields[i + 1], state.fields[i] = state.fields[i], state.fields[i + 1]


def _parse_choices(f: EditorField, value_type: str) -> dict[Any, dict[str, str]] | None:
    """{value: {"zh_CN", "en"}} from the choices box, or None with f.errors filled in."""
    parsed: dict[Any, dict[str, str]] = {}
    for number, line in enumerate(f.choices.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not all(parts):
            f.errors.append(_("选项第 %(n)s 行应为“值 | 中文 | English”", n=number))
            return None
        raw_value = parts[0]
        if value_type == "boolean":
            if raw_value not in ("true", "false"):
                f.errors.append(_("是/否字段的选项值只能是 true 或 false"))
                return None
            value: Any = raw_value == "true"
        elif value_type == "integer":
            if not re.fullmatch(r"-?\d+", raw_value):
                f.errors.append(_("整数字段的选项值必须是整数：%(v)s", v=raw_value))
                return None
            value = int(raw_value)
        else:
            value = raw_value
        if any(_choice_key(v) == _choice_key(value) for v in parsed):
            f.errors.append(_("选项值重复：%(v)s", v=raw_value))
            return None
        parsed[value] = {"zh_CN": parts[1], "en": parts[2]}
    if not parsed:
        f.errors.append(_("单选或下拉字段至少需要一个选项"))
        return None
    return parsed


def _spec_for(f: EditorField, old_spec: dict[str, Any] | None, old_widget: str | None) -> dict[str, Any]:
    if old_spec is not None and (f.widget == old_widget or f.special):
        return copy.deepcopy(old_spec)
    return copy.deepcopy(KINDS[f.widget])


def _file_options(f: EditorField, spec: dict[str, Any], fui: dict[str, Any]) -> bool:
    """Accepted kinds, maximum count and "print in the reply letter" of a file field."""
    if not f.accept:
        f.errors.append(_("请至少选择一种可上传的文件类型"))
    if not f.max_files.isdigit() or not 1 <= int(f.max_files) <= FILE_MAX:
        f.errors.append(_("文件数量上限须为 1 到 %(n)s 的整数", n=FILE_MAX))
    if f.errors:
        return False
    fui.update(accept=sorted(f.accept), max_files=int(f.max_files), in_reply=f.in_reply)
    fui.pop("choices", None)
    spec["maxItems"] = int(f.max_files)
    return True


def to_definition(state: EditorState, name: str) -> dict[str, Any] | None:
    """The definition the editor describes, or None when a row has errors (shown beside it)."""
    base = state.base
    old_props, old_ui = base["schema"]["properties"], base["ui"]["fields"]
    props: dict[str, Any] = {}
    ui_fields: dict[str, Any] = {}
    seen: set[str] = set()
    for f in state.fields:
        if not _NAME.fullmatch(f.name):
            f.errors.append(_("字段名须以小写字母开头，只含小写字母、数字和下划线"))
        elif f.name in seen:
            f.errors.append(_("字段名重复：%(name)s", name=f.name))
        seen.add(f.name)
        if f.special and f.key not in old_props:
            f.errors.append(_("这种字段只能在 JSON 中编辑"))
        elif f.widget not in KINDS and not f.special:
            f.errors.append(_("未知的字段类型"))
        if not (f.label_zh and f.label_en):
            f.errors.append(_("请填写中文和英文标签"))
        if bool(f.help_zh) != bool(f.help_en):
            f.errors.append(_("说明文字须同时填写中文和英文"))
        if f.errors:
            continue
        old_spec = old_props.get(f.key)
        old_widget = old_ui.get(f.key, {}).get("widget")
        spec = _spec_for(f, old_spec, old_widget)
        fui = copy.deepcopy(old_ui.get(f.key, {})) if f.key in old_ui and f.widget == old_widget else {}
        fui.update(widget=f.widget, label={"zh_CN": f.label_zh, "en": f.label_en})
        fui.pop("help", None)
        if f.help_zh:
            fui["help"] = {"zh_CN": f.help_zh, "en": f.help_en}
        has_choices = f.widget in CHOICE_WIDGETS and spec["type"] != "array"
        if has_choices:
            choices = _parse_choices(f, spec["type"])
            if choices is None:
                continue
            if spec["type"] == "boolean":
                spec.pop("enum", None)
            else:
                spec["enum"] = list(choices)
            fui["choices"] = {_choice_key(v): text for v, text in choices.items()}
        elif f.widget == "file":
            if not _file_options(f, spec, fui):
                continue
        elif not f.special:
            fui.pop("choices", None)
            spec.pop("enum", None)
        props[f.name] = spec
        ui_fields[f.name] = fui
    if state.has_errors:
        return None
    raw = copy.deepcopy(base)
    raw["name"] = name
    raw["title"] = {"zh_CN": state.title_zh, "en": state.title_en}
    if state.prefill:
        raw.pop("prefill", None)
    else:
        raw["prefill"] = False
    raw["schema"]["properties"] = props
    required = [f.name for f in state.fields if f.required]
    if required or "required" in raw["schema"]:
        raw["schema"]["required"] = required
    raw["ui"]["order"] = [f.name for f in state.fields]
    raw["ui"]["fields"] = ui_fields
    return raw
