"""User-facing texts for validation failures, one per JSON Schema keyword.

Raw jsonschema messages quote Python reprs and schema internals, which mean
nothing to bureau staff, so every keyword we use gets its own short text.
"""

from __future__ import annotations

from typing import Any

ZH = "zh_CN"
EN = "en"
LANGUAGES = (ZH, EN)

REQUIRED = {ZH: "请填写此项", EN: "This field is required."}
UNKNOWN_FIELD = {ZH: "未知字段", EN: "Unknown field."}
NOT_AN_OBJECT = {ZH: "提交的数据格式无效", EN: "The submitted data is not a form object."}
INVALID = {ZH: "输入无效", EN: "Invalid value."}

_TEMPLATES: dict[str, dict[str, str]] = {
    "enum": {ZH: "请选择有效的选项", EN: "Select a valid choice."},
    "const": {ZH: "请选择有效的选项", EN: "Select a valid choice."},
    "maxLength": {ZH: "长度不能超过 {n} 个字符", EN: "Use at most {n} characters."},
    "minLength": {ZH: "长度不能少于 {n} 个字符", EN: "Use at least {n} characters."},
    "minimum": {ZH: "必须大于或等于 {n}", EN: "Must be greater than or equal to {n}."},
    "maximum": {ZH: "必须小于或等于 {n}", EN: "Must be less than or equal to {n}."},
    "exclusiveMinimum": {ZH: "必须大于 {n}", EN: "Must be greater than {n}."},
    "exclusiveMaximum": {ZH: "必须小于 {n}", EN: "Must be less than {n}."},
    "maxItems": {ZH: "最多选择 {n} 项", EN: "Select at most {n} items."},
    "minItems": {ZH: "至少选择 {n} 项", EN: "Select at least {n} items."},
    "uniqueItems": {ZH: "不能包含重复项", EN: "Items must not repeat."},
    "pattern": {ZH: "格式不正确", EN: "Invalid format."},
}

_TYPES: dict[str, dict[str, str]] = {
    "string": {ZH: "必须是文本", EN: "Must be text."},
    "integer": {ZH: "必须是整数", EN: "Must be a whole number."},
    "number": {ZH: "必须是数字", EN: "Must be a number."},
    "boolean": {ZH: "必须是“是”或“否”", EN: "Must be true or false."},
    "array": {ZH: "必须是列表", EN: "Must be a list."},
    "object": {ZH: "必须是对象", EN: "Must be an object."},
    "null": {ZH: "必须为空", EN: "Must be empty."},
}

_FORMATS: dict[str, dict[str, str]] = {
    "date": {ZH: "请输入有效日期（YYYY-MM-DD）", EN: "Enter a valid date (YYYY-MM-DD)."},
    "date-time": {
        ZH: "请输入有效的日期时间（如 2026-01-31T09:30:00+08:00）",
        EN: "Enter a valid date and time (e.g. 2026-01-31T09:30:00+08:00).",
    },
}

_ITEM_PREFIX = {ZH: "第 {n} 项：", EN: "Item {n}: "}


def normalize_lang(lang: str | None) -> str:
    # Callers may pass browser-style tags; anything not English falls back to
    # Chinese because that is the bureau's working language.
    if lang and lang.lower().replace("-", "_").startswith("en"):
        return EN
    return ZH


def keyword_message(keyword: str | None, value: Any, lang: str) -> str:
    if keyword == "required":
        return REQUIRED[lang]
    if keyword == "additionalProperties":
        return UNKNOWN_FIELD[lang]
    if keyword == "minLength" and value == 1:
        # After stripping, a blank required text is indistinguishable from a
        # missing one, so both get the same message.
        return REQUIRED[lang]
    if keyword == "type":
        expected = value[0] if isinstance(value, list) and value else value
        return _TYPES.get(expected, INVALID)[lang]
    if keyword == "format":
        return _FORMATS.get(value, INVALID)[lang]
    template = _TEMPLATES.get(keyword or "")
    if template is None:
        return INVALID[lang]
    return template[lang].format(n=value)


def item_prefix(index: int, lang: str) -> str:
    return _ITEM_PREFIX[lang].format(n=index + 1)
