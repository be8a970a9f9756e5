"""FormDefinition and the structural checks a definition file must pass."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from forms.errors import InvalidFormDefinition
from forms.messages import LANGUAGES, normalize_lang
from forms.validation import FORMAT_CHECKER, make_validator, validate_data

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Which JSON types each widget can edit; a mismatch would render a control
# that can never produce valid data.
WIDGET_TYPES: dict[str, frozenset[str]] = {
    "text": frozenset({"string"}),
    "textarea": frozenset({"string"}),
    "select": frozenset({"string", "integer", "array"}),
    "radio": frozenset({"string", "integer", "boolean"}),
    "date": frozenset({"string"}),
    "datetime": frozenset({"string"}),
    "number": frozenset({"integer", "number"}),
    "checkbox": frozenset({"boolean", "array"}),
    # A list of the case's attachment ids (engine/cases/evidence.py stores the uploads).
    "file": frozenset({"array"}),
    "rows": frozenset({"array"}),
    "case_ref": frozenset({"string"}),
    "department": frozenset({"string"}),
    "departments": frozenset({"array"}),
}
WIDGET_FORMATS = {"date": "date", "datetime": "date-time"}
# What a file field may accept (ui.fields.<name>.accept): the kinds engine/cases/attachments.py
# recognises by content. "image": any photo; "pdf": a PDF document.
FILE_ACCEPT = frozenset({"image", "pdf"})
FILE_MAX = 30  # engine/cases/attachments.MAX_FILES_PER_CASE: no field may promise more than a case holds
TOP_LEVEL_KEYS = frozenset({"name", "title", "description", "prefill", "schema", "ui"})


@dataclass(frozen=True, eq=False)
class FormDefinition:
    """A loaded form; instances are cached and shared, so treat as read-only."""

    name: str
    title: dict[str, str]
    schema: dict[str, Any]
    ui: dict[str, Any]
    # False for a form that records one person's own decision: a task showing it starts empty
    # rather than from values an earlier pass left in the task data under the same names.
    prefill: bool = True
    _validator: Draft202012Validator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_validator", make_validator(self.schema))

    @property
    def fields(self) -> list[str]:
        return list(self.ui.get("order", []))

    def validate(self, data: Mapping[str, Any], lang: str = "zh_CN") -> dict[str, Any]:
        return validate_data(self.name, self._validator, data, lang, self.fields)

    def label(self, field_name: str, lang: str = "zh_CN") -> str:
        spec = self.ui["fields"][field_name]
        return spec["label"][normalize_lang(lang)]

    def choice_label(self, field_name: str, value: Any, lang: str = "zh_CN") -> str:
        """Display text for a stored value; unknown values are shown as-is."""
        key = _choice_key(value)
        choices = self.ui["fields"].get(field_name, {}).get("choices", {})
        return choices.get(key, {}).get(normalize_lang(lang), key)


def _choice_key(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _is_i18n(value: Any) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES
    )


def _walk(node: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for child in node.values():
            yield from _walk(child)
    elif isinstance(node, list):
        for child in node:
            yield from _walk(child)


def _required_names(schema: Mapping[str, Any]) -> Iterator[str]:
    """Names required at the top level, including inside allOf/if/then/else.

    A typo there would make a form impossible to submit, and the metaschema
    cannot catch it because any string is a valid required entry.
    """
    yield from schema.get("required", [])
    for key in ("then", "else"):
        if isinstance(schema.get(key), Mapping):
            yield from _required_names(schema[key])
    for sub in schema.get("allOf", []):
        if isinstance(sub, Mapping):
            yield from _required_names(sub)


def parse_definition(name: str, raw: Any, source: object = None) -> FormDefinition:
    where = str(source) if source is not None else f"{name}.json"

    def fail(message: str) -> InvalidFormDefinition:
        return InvalidFormDefinition(name, f"{where}: {message}")

    if not isinstance(raw, Mapping):
        raise fail("top level must be a JSON object")
    extra = sorted(set(raw) - TOP_LEVEL_KEYS)
    if extra:
        raise fail(f"unknown top-level keys {extra}")
    if raw.get("name") != name:
        raise fail(f"'name' is {raw.get('name')!r}, expected {name!r} (the file name)")
    if not _is_i18n(raw.get("title")):
        raise fail("'title' needs non-empty 'zh_CN' and 'en' texts")
    if not isinstance(raw.get("prefill", True), bool):
        raise fail("'prefill' must be true or false")
    schema = raw.get("schema")
    _check_schema(schema, fail)
    _check_ui(raw.get("ui"), schema["properties"], fail)
    return FormDefinition(name=name, title=dict(raw["title"]), schema=schema, ui=raw["ui"],
                          prefill=raw.get("prefill", True))


def _check_schema(schema: Any, fail) -> None:
    if not isinstance(schema, Mapping):
        raise fail("'schema' must be a JSON object")
    if schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        raise fail(f"schema.$schema must be {DRAFT_2020_12}")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        location = ".".join(str(p) for p in ("schema", *exc.absolute_path))
        raise fail(f"{location} is not valid JSON Schema: {exc.message}") from None
    if schema.get("type") != "object":
        raise fail("schema.type must be 'object'")
    if schema.get("additionalProperties") is not False:
        # Without this, misspelt field names would be accepted silently.
        raise fail("schema.additionalProperties must be false")
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        raise fail("schema.properties must be an object")
    for prop, spec in properties.items():
        if not isinstance(spec, Mapping) or not isinstance(spec.get("type"), str):
            raise fail(f"schema.properties.{prop} needs a single 'type'")
    for required in _required_names(schema):
        if required not in properties:
            raise fail(f"schema requires unknown field {required!r}")
    for node in _walk(schema):
        fmt = node.get("format")
        if isinstance(fmt, str) and fmt not in FORMAT_CHECKER.checkers:
            raise fail(f"format {fmt!r} is not checked; use one of {sorted(FORMAT_CHECKER.checkers)}")


def _enum_values(spec: Mapping[str, Any]) -> list[Any] | None:
    if "enum" in spec:
        return spec["enum"]
    items = spec.get("items")
    if spec.get("type") == "array" and isinstance(items, Mapping) and "enum" in items:
        return items["enum"]
    return None


def _check_ui(ui: Any, properties: Mapping[str, Any], fail) -> None:
    if not isinstance(ui, Mapping):
        raise fail("'ui' must be a JSON object")
    order = ui.get("order")
    fields = ui.get("fields")
    if not isinstance(order, list) or not all(isinstance(f, str) for f in order):
        raise fail("ui.order must be a list of field names")
    if not isinstance(fields, Mapping):
        raise fail("ui.fields must be an object")
    for f in order:
        if f not in properties:
            raise fail(f"ui.order names field {f!r} that the schema does not have")
    if len(set(order)) != len(order):
        raise fail("ui.order lists a field twice")
    for f in fields:
        if f not in properties:
            raise fail(f"ui.fields names field {f!r} that the schema does not have")
    for prop, spec in properties.items():
        # A field missing from the UI would never be rendered, so a required
        # one could never be filled in.
        if prop not in order:
            raise fail(f"field {prop!r} is missing from ui.order")
        if prop not in fields:
            raise fail(f"field {prop!r} is missing from ui.fields")
        _check_field(prop, spec, fields[prop], fail)


def _check_field(prop: str, spec: Mapping[str, Any], ui: Any, fail) -> None:
    where = f"ui.fields.{prop}"
    if not isinstance(ui, Mapping):
        raise fail(f"{where} must be an object")
    if not _is_i18n(ui.get("label")):
        raise fail(f"{where}.label needs non-empty 'zh_CN' and 'en' texts")
    if "help" in ui and not _is_i18n(ui["help"]):
        raise fail(f"{where}.help needs non-empty 'zh_CN' and 'en' texts")
    widget = ui.get("widget")
    if widget not in WIDGET_TYPES:
        raise fail(f"{where}.widget {widget!r} is not one of {sorted(WIDGET_TYPES)}")
    if spec["type"] not in WIDGET_TYPES[widget]:
        raise fail(f"{where}.widget {widget!r} cannot edit a {spec['type']!r} field")
    if widget in WIDGET_FORMATS and spec.get("format") != WIDGET_FORMATS[widget]:
        raise fail(f"{where}.widget {widget!r} needs format {WIDGET_FORMATS[widget]!r}")
    if widget == "file":
        _check_file_field(where, spec, ui, fail)
        return

    enum = _enum_values(spec)
    if enum is not None:
        expected = {_choice_key(v) for v in enum}
    elif spec["type"] == "boolean" and "choices" in ui:
        expected = {"true", "false"}
    elif "choices" in ui:
        raise fail(f"{where}.choices given but field {prop!r} has no enum")
    else:
        return
    choices = ui.get("choices")
    if not isinstance(choices, Mapping):
        raise fail(f"{where}.choices is required because field {prop!r} is an enum")
    if set(choices) != expected:
        missing = sorted(expected - set(choices))
        unknown = sorted(set(choices) - expected)
        raise fail(f"{where}.choices do not match the enum (missing {missing}, unknown {unknown})")
    for value, label in choices.items():
        if not _is_i18n(label):
            raise fail(f"{where}.choices.{value} needs non-empty 'zh_CN' and 'en' texts")


def _check_file_field(where: str, spec: Mapping[str, Any], ui: Mapping[str, Any], fail) -> None:
    """A file field holds attachment ids; ``accept``, ``max_files`` and ``in_reply`` say what it
    takes, how many, and whether its photos are printed in the reply letter (答复意见书)."""
    if spec.get("items") != {"type": "integer"}:
        raise fail(f"{where}: a file field's schema needs items {{'type': 'integer'}} (attachment ids)")
    accept = ui.get("accept", sorted(FILE_ACCEPT))
    if not isinstance(accept, list) or not accept or not set(accept) <= FILE_ACCEPT:
        raise fail(f"{where}.accept must be a non-empty list of {sorted(FILE_ACCEPT)}")
    max_files = ui.get("max_files", 10)
    if isinstance(max_files, bool) or not isinstance(max_files, int) or not 1 <= max_files <= FILE_MAX:
        raise fail(f"{where}.max_files must be a whole number from 1 to {FILE_MAX}")
    if not isinstance(ui.get("in_reply", False), bool):
        raise fail(f"{where}.in_reply must be true or false")
    if "choices" in ui:
        raise fail(f"{where}.choices given but a file field has none")


# A boolean field by this name lets the person completing the form choose, each time, whether the
# photos of its ``in_reply`` file fields are printed in the reply letter (the feedback form: a
# receipt should not be, a photo of the site may be). Without it ``in_reply`` alone decides.
REPLY_CHOICE_FIELD = "photos_in_reply"


def prints_in_reply(form: FormDefinition, name: str, data: Mapping[str, Any]) -> bool:
    """Whether the photos the completed form ``data`` holds in file field ``name`` go into the reply letter."""
    if not file_options(form, name)[2]:
        return False
    if REPLY_CHOICE_FIELD in form.schema.get("properties", {}):
        return data.get(REPLY_CHOICE_FIELD) is True
    return True


def file_options(form: FormDefinition, name: str) -> tuple[list[str], int, bool]:
    """(accept, max_files, in_reply) of a file field, with the defaults the check allows."""
    ui = form.ui["fields"][name]
    return list(ui.get("accept", sorted(FILE_ACCEPT))), int(ui.get("max_files", 10)), bool(ui.get("in_reply", False))
