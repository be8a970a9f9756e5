"""Every request's input passes through engine/core/text.py's rule before a view sees it.

The app's request class parses query strings, form fields (their names too), uploaded files'
names and JSON bodies into cleaned values: bidirectional and other control characters removed,
NFC. A NUL anywhere refuses the whole request with 400 (``UnsafeInput``), answered in each area's
own error format (HTML page, API JSON, Open311 JSON/XML). Values in the URL path are identifiers
(case numbers, tracking codes, form names): one that is not clean names nothing, 404.

Files' contents are not text and are left alone; the grid CSV import cleans what it reads.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, Request, abort
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from werkzeug.exceptions import BadRequest

from engine.core.text import UnsafeText, clean_text, clean_tree, is_clean


class UnsafeInput(BadRequest):
    description = "请求中含有空字符（NUL），已拒绝 (the request contains a NUL character and was refused)"
    # webapp/open311/errors.py answers with this description.
    open311_message = description


def _clean(value: Any) -> Any:
    try:
        if isinstance(value, str):
            return clean_text(value)
        if isinstance(value, FileStorage):
            if value.filename:
                value.filename = clean_text(value.filename)
            return value
        return value
    except UnsafeText:
        raise UnsafeInput() from None


class CleanParameters(ImmutableMultiDict):
    """Query-string, form and file parameters, cleaned as they are parsed (werkzeug builds
    ``args``, ``form`` and ``files`` with the request's ``parameter_storage_class``)."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, MultiDict):
            pairs = mapping.items(multi=True)
        elif hasattr(mapping, "items"):
            pairs = MultiDict(mapping).items(multi=True)
        else:
            pairs = mapping
        super().__init__([(_clean(key), _clean(value)) for key, value in pairs])


def clean_json(value: Any) -> Any:
    """A parsed JSON body with every string cleaned; UnsafeInput for a NUL anywhere in it."""
    try:
        return clean_tree(value)
    except UnsafeText:
        raise UnsafeInput() from None


class CleanRequest(Request):
    parameter_storage_class = CleanParameters

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        # Cleaned on the way out of the parser (the request context sets ``json_module`` to the
        # app's JSON provider per request, so that cannot be the hook).
        value = super().get_json(force=force, silent=silent, cache=cache)
        try:
            return clean_json(value)
        except RecursionError:
            # Nested about as deep as the parser goes: a bad body, not a server error.
            if silent:
                return None
            raise BadRequest() from None


def init_app(app: Flask) -> None:
    app.request_class = CleanRequest

    @app.url_value_preprocessor
    def _clean_path_values(endpoint, values):
        if values and any(isinstance(v, str) and not is_clean(v) for v in values.values()):
            abort(404)
