"""GeoReport v2 XML: a root element named by the spec, one child element per item, list
fields wrapped in their plural (<attributes><attribute>…)."""
from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from flask import Response, jsonify

# list field → element of each item
_ITEM = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}
# XML 1.0 cannot carry these at all, not even escaped.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _ILLEGAL.sub("", str(value))


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        name = _ITEM.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, payload, item: str | None = None) -> bytes:
    """``payload`` is a list of ``item`` elements under ``root``, or (item None) the root's fields."""
    element = ET.Element(root)
    if item is None:
        _fill(element, payload)
    else:
        for entry in payload:
            _fill(ET.SubElement(element, item), entry)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def respond(fmt: str, payload, root: str, item: str | None = None, status: int = 200) -> Response:
    if fmt == "xml":
        return Response(to_xml(root, payload, item), status=status, mimetype="text/xml")
    response = jsonify(payload)
    response.status_code = status
    return response


def errors(fmt: str, status: int, messages: list[str]) -> Response:
    """The spec's error list: every problem with the HTTP status as its code."""
    return respond(fmt, [{"code": status, "description": message} for message in messages], "errors", "error",
                   status=status)
