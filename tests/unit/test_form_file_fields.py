"""A form definition's file field (forms/definition.py): attachment ids, and its options checked."""
from __future__ import annotations

import copy

import pytest

from forms import InvalidFormDefinition, file_options, parse_definition

BASE = {
    "name": "proof", "title": {"zh_CN": "证据", "en": "Proof"},
    "schema": {"type": "object", "additionalProperties": False,
               "properties": {"photos": {"type": "array", "items": {"type": "integer"}}}},
    "ui": {"order": ["photos"], "fields": {"photos": {"label": {"zh_CN": "照片", "en": "Photos"}, "widget": "file"}}},
}


def _with(schema=None, **ui):
    raw = copy.deepcopy(BASE)
    raw["schema"]["properties"]["photos"].update(schema or {})
    raw["ui"]["fields"]["photos"].update(ui)
    return raw


def test_a_file_field_has_defaults():
    form = parse_definition("proof", _with())
    assert file_options(form, "photos") == (["image", "pdf"], 10, False)
    form = parse_definition("proof", _with(accept=["image"], max_files=3, in_reply=True))
    assert file_options(form, "photos") == (["image"], 3, True)


@pytest.mark.parametrize(("raw", "said"), [
    (_with({"items": {"type": "string"}}), "items"),
    (_with(accept=["exe"]), "accept"),
    (_with(accept=[]), "accept"),
    (_with(max_files=0), "max_files"),
    (_with(max_files=31), "max_files"),
    (_with(max_files=True), "max_files"),
    (_with(in_reply="yes"), "in_reply"),
])
def test_a_bad_file_field_is_refused(raw, said):
    with pytest.raises(InvalidFormDefinition, match=said):
        parse_definition("proof", raw)


def test_a_file_field_cannot_hold_a_single_string():
    raw = _with()
    raw["schema"]["properties"]["photos"] = {"type": "string"}
    with pytest.raises(InvalidFormDefinition, match="cannot edit"):
        parse_definition("proof", raw)
