"""What text the system takes in: the one rule for characters, applied to every request's input by
webapp/input_hygiene.py and again by the engine's own intake (engine/cases/intake.py), task forms
(engine/work/tasks.py) and grid CSV import (engine/org/grid_import.py) for callers that are not
web requests.

- NUL is refused (``UnsafeText``). No person types it; it ends strings in C libraries and file
  systems, PostgreSQL cannot store it in text at all (SQLite can), so stripping it would hide an
  attack and keeping it would make the two databases behave differently.
- Bidirectional controls (Unicode's Bidi_Control property: the embeddings and overrides
  U+202A–U+202E, the isolates U+2066–U+2069 and the marks U+200E, U+200F, U+061C) are removed.
  They make text display in an order other than the stored one ("Trojan Source": a file name
  ending "gpj.exe" reversed to look like a picture, a reversed phone number or case number in
  a reply). The bureau writes Chinese and English, left to right, which never needs them.
- Other control characters (C0 except tab, line feed and carriage return, DEL, C1) are removed;
  vertical tab, form feed and the Unicode line and paragraph separators become a line feed
  (word processors use them for line breaks, and XML — Open311 — cannot hold C0 controls).
- Everything is put in Unicode normalization form C, so the same words are the same string
  (for search, duplicates, unique names) however the keyboard composed them.

Line breaks, tabs and every printable character (Chinese included) are kept as they are.
"""
from __future__ import annotations

import unicodedata
from typing import Any

NUL = "\x00"
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = "\x0b\x0c\x85\u2028\u2029"
_CONTROLS = [chr(c) for c in (*range(0x01, 0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\t\n\r"]
_TABLE = str.maketrans({**{c: None for c in _CONTROLS}, **{c: None for c in BIDI_CONTROLS},
                        **{c: "\n" for c in _LINE_BREAKS}})
UNSAFE_MESSAGE = "含有空字符（NUL），已拒绝 (contains a NUL character, refused)"


class UnsafeText(ValueError):
    """The text holds a NUL character and is refused as a whole."""

    def __init__(self, message: str = UNSAFE_MESSAGE):
        super().__init__(message)


def clean_text(value: str) -> str:
    """``value`` by the rule above; raises UnsafeText for a NUL."""
    if NUL in value:
        raise UnsafeText()
    if value.isascii() and value.isprintable():
        return value
    return unicodedata.normalize("NFC", value.translate(_TABLE))


def is_clean(value: str) -> bool:
    """True when ``value`` is already what clean_text would make of it (for identifiers and codes,
    which are refused rather than changed)."""
    try:
        return clean_text(value) == value
    except UnsafeText:
        return False


def clean_tree(value: Any) -> Any:
    """clean_text on every string inside decoded JSON (dict keys too); other values unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_tree(k): clean_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    return value
