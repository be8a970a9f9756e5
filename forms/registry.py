"""Finding, loading and caching form definition files."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from forms.definition import FormDefinition, parse_definition
from forms.errors import InvalidFormDefinition, UnknownForm

FORMS_DIR = Path(__file__).resolve().parent / "definitions"

# Form names come from BPMN extension properties; restricting them keeps a
# crafted name from reading files outside the definitions directory.
_NAME_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")

_cache: dict[tuple[str, str], tuple[tuple[int, int], FormDefinition]] = {}
_lock = threading.Lock()


def _directory(directory: str | PathLike[str] | None) -> Path:
    return Path(directory) if directory is not None else FORMS_DIR


def available_forms(directory: str | PathLike[str] | None = None) -> list[str]:
    folder = _directory(directory)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob("*.json") if p.is_file() and _NAME_RE.fullmatch(p.stem))


def load_form(name: str, directory: str | PathLike[str] | None = None) -> FormDefinition:
    folder = _directory(directory)
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise UnknownForm(str(name), folder)
    path = folder / f"{name}.json"
    try:
        stat = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        raise UnknownForm(name, folder) from None
    # Size as well as mtime: coarse filesystem clocks can give an edited file
    # the same mtime within one tick.
    stamp = (stat.st_mtime_ns, stat.st_size)
    key = (str(folder.absolute()), name)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]

    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidFormDefinition(name, f"{path}: not UTF-8 text ({exc.reason})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFormDefinition(
            name, f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    form = parse_definition(name, raw, source=path)
    with _lock:
        _cache[key] = (stamp, form)
    return form


def validate_form(
    name: str,
    data: Mapping[str, Any],
    lang: str = "zh_CN",
    directory: str | PathLike[str] | None = None,
) -> dict[str, Any]:
    return load_form(name, directory).validate(data, lang=lang)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
