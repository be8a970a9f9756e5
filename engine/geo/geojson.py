"""Reading a boundary file: a GeoJSON FeatureCollection of the county's towns and work areas.

What is taken (RFC 7946, the GeoJSON standard): a FeatureCollection whose features are Polygons
or MultiPolygons in longitude/latitude (WGS 84, or CGCS2000, which differs from it by less than a
metre), each naming the grid node it outlines in ``properties.code`` — the same codes as the grid
tree and its CSV import (engine/org/grid_import.py). Only the county, towns and work areas have
shapes; villages are points inside them.

Everything is checked before anything is stored, and a refused file changes nothing: the
problems come back as codes with their values (engine.core.errors.Problem), which the admin
page words in the reader's language. Limits keep one upload from tying up the server: the file's
size, the number of features and of positions, and how deep the JSON nests (Python's parser
recurses once per level, docs/security.md).
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shapely import make_valid
from shapely.errors import GEOSException
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from engine.core.errors import AdminError, Problem
from engine.core.text import UnsafeText, clean_tree

MAX_BYTES = 10 * 1024 * 1024
MAX_FEATURES = 5_000
MAX_POSITIONS = 500_000
# A MultiPolygon feature nests 8 levels (collection, features, feature, geometry, and four arrays
# of coordinates); a few more leave room for nested properties.
MAX_DEPTH = 16
# How many problems of one kind are listed before "and n more".
MAX_LISTED = 20
SHAPED_LEVELS = ("county", "town", "area")
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
# Where a feature may name its grid code (GIS tools export Chinese column names as they are).
CODE_KEYS = ("code", "编码", "网格编码", "grid_code")


class BoundariesRefused(AdminError):
    """The file was not stored; ``problems[""]`` says why, feature by feature."""

    def __init__(self, problems: list[Problem]):
        super().__init__({"": problems})


@dataclass
class Boundaries:
    """A checked file: the collection as it will be stored, and each code's shape."""

    collection: dict
    shapes: dict[str, BaseGeometry]
    # Things worth saying that do not stop the upload (towns without a shape).
    notes: list[Problem] = field(default_factory=list)

    @property
    def text(self) -> str:
        return json.dumps(self.collection, ensure_ascii=False, separators=(",", ":"))


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def parse(raw: bytes) -> Any:
    """The file's JSON value; BoundariesRefused when it is too large, not UTF-8, not JSON or too deep."""
    if len(raw) > MAX_BYTES:
        raise BoundariesRefused([Problem("file_too_large", mb=MAX_BYTES // (1024 * 1024))])
    if not raw.strip():
        raise BoundariesRefused([Problem("file_empty")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BoundariesRefused([Problem("file_encoding")]) from None
    try:
        # NaN and Infinity are no JSON numbers (Python's parser would take them).
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise BoundariesRefused([Problem("too_deep", n=MAX_DEPTH)]) from None
    except json.JSONDecodeError as err:
        raise BoundariesRefused([Problem("not_json", line=err.lineno, column=err.colno)]) from None
    except ValueError:
        raise BoundariesRefused([Problem("not_json", line=0, column=0)]) from None
    if isinstance(value, (dict, list)) and _depth(value) > MAX_DEPTH:
        raise BoundariesRefused([Problem("too_deep", n=MAX_DEPTH)])
    try:
        # The same rule as every other input (engine/core/text.py): no NUL, no control characters.
        return clean_tree(value)
    except UnsafeText:
        raise BoundariesRefused([Problem("unsafe_text")]) from None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _Geometry:
    """Checks one feature's coordinates, counting positions against the file's limit."""

    def __init__(self) -> None:
        self.positions = 0

    def ring(self, ring: Any, n: int) -> Problem | None:
        if not isinstance(ring, list) or len(ring) < 4:
            return Problem("ring_too_short", feature=n)
        for position in ring:
            if not isinstance(position, list) or len(position) not in (2, 3) or not all(map(_number, position)):
                return Problem("bad_position", feature=n)
            lon, lat = position[0], position[1]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                # Projected metres (a Gauss-Krüger export) are far outside; say which value it was.
                return Problem("not_lonlat", feature=n, position=f"[{lon:g}, {lat:g}]")
        if ring[0][:2] != ring[-1][:2]:
            return Problem("ring_not_closed", feature=n)
        self.positions += len(ring)
        return None

    def polygon(self, rings: Any, n: int) -> Problem | None:
        if not isinstance(rings, list) or not rings:
            return Problem("bad_coordinates", feature=n)
        for ring in rings:
            problem = self.ring(ring, n)
            if problem:
                return problem
        return None

    def check(self, geometry: Any, n: int) -> Problem | None:
        if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
            found = geometry.get("type") if isinstance(geometry, dict) else None
            return Problem("geometry_type", feature=n, type=str(found) if found else "—")
        coordinates = geometry.get("coordinates")
        if geometry["type"] == "Polygon":
            return self.polygon(coordinates, n)
        if not isinstance(coordinates, list) or not coordinates:
            return Problem("bad_coordinates", feature=n)
        for polygon in coordinates:
            problem = self.polygon(polygon, n)
            if problem:
                return problem
        return None


def feature_code(feature: Any) -> str | None:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    if not isinstance(properties, dict):
        return None
    for key in CODE_KEYS:
        value = properties.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def _listed(values: list[str]) -> dict:
    return {"codes": "、".join(values[:MAX_LISTED]), "more": max(0, len(values) - MAX_LISTED), "n": len(values)}


def check(raw: bytes, grid: Mapping[str, str]) -> Boundaries:
    """The checked boundaries of ``raw`` for a grid of {code: level}; BoundariesRefused listing
    every problem found (at most MAX_LISTED of each kind) when anything is wrong."""
    value = parse(raw)
    if not isinstance(value, dict) or value.get("type") != "FeatureCollection":
        found = value.get("type") if isinstance(value, dict) else None
        raise BoundariesRefused([Problem("not_feature_collection", type=str(found) if found else "—")])
    features = value.get("features")
    if not isinstance(features, list) or not features:
        raise BoundariesRefused([Problem("no_features")])
    if len(features) > MAX_FEATURES:
        raise BoundariesRefused([Problem("too_many_features", n=MAX_FEATURES)])

    problems: list[Problem] = []
    geometry = _Geometry()
    shapes: dict[str, BaseGeometry] = {}
    unknown: list[str] = []
    first_seen: dict[str, int] = {}
    for n, feature in enumerate(features, 1):
        if len(problems) >= MAX_LISTED:
            break
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem("not_a_feature", feature=n))
            continue
        code = feature_code(feature)
        if code is None:
            problems.append(Problem("code_missing", feature=n))
            continue
        if code in first_seen:
            problems.append(Problem("duplicate_code", {"feature": n, "code": code, "first": first_seen[code]}))
            continue
        first_seen[code] = n
        problem = geometry.check(feature.get("geometry"), n)
        if problem is None and geometry.positions > MAX_POSITIONS:
            raise BoundariesRefused([Problem("too_many_positions", n=MAX_POSITIONS)])
        if problem:
            problems.append(problem)
            continue
        level = grid.get(code)
        if level is None:
            unknown.append(code)
            continue
        if level not in SHAPED_LEVELS:
            problems.append(Problem("code_level", {"feature": n, "code": code, "level": level}))
            continue
        try:
            # A real file's polygons may touch themselves; what the map draws is the file as it
            # is, and the repaired shape only places labels and cases without coordinates.
            shapes[code] = make_valid(shape(feature["geometry"]))
        except (GEOSException, ValueError, TypeError):
            problems.append(Problem("bad_coordinates", feature=n))
    if unknown:
        problems.append(Problem("unknown_codes", **_listed(unknown)))
    if problems:
        raise BoundariesRefused(problems)
    towns = sorted(code for code, level in grid.items() if level == "town" and code not in shapes)
    notes = [Problem("towns_without_shape", **_listed(towns))] if towns else []
    return Boundaries(value, shapes, notes)
