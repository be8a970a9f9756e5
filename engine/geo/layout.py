"""Plausible shapes for a county that has no boundary file: the demo's, or one whose administrator
has not uploaded the real one yet.

The grid tree has codes and names but no coordinates, so this draws a county of its own: an
irregular outline about 45 km across, split into one cell per town, each town into one cell per
work area, and each village a point inside its work area. The cells are Voronoi cells of seed
points spread evenly by a few rounds of Lloyd's relaxation (each point moved to its cell's
centroid), so towns and work areas come out as contiguous, roughly equal pieces; GEOS, through
shapely, does all the geometry.

Deterministic: every node's random numbers come from a generator seeded with the seed and its
code, so the same tree gives the same file, byte for byte, and adding a town leaves the
others' villages where they were. Coordinates are rounded to six decimals (about 0.1 m).
"""
from __future__ import annotations

import json
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

# Where the demo county lies: a hilly county in central China (an invented place).
CENTRE = (112.9, 27.7)
RADIUS_KM = 21.0
KM_PER_DEGREE_LAT = 110.57
KM_PER_DEGREE_LON = 111.32 * math.cos(math.radians(CENTRE[1]))
RELAXATION_ROUNDS = 4
VILLAGE_MARGIN_KM = 0.4  # villages stand this far inside their work area, so cases near them stay in it
DIGITS = 6


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    level: str
    parent: str | None


@dataclass
class Layout:
    """The generated FeatureCollection and each village's point (lon, lat)."""

    collection: dict
    villages: dict[str, tuple[float, float]]

    @property
    def text(self) -> str:
        return json.dumps(self.collection, ensure_ascii=False, separators=(",", ":"))


def _rng(seed: int, code: str) -> random.Random:
    return random.Random(f"{seed}:{code}")


def _outline(rng: random.Random) -> Polygon:
    """An irregular, roughly oval county (km around the centre)."""
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    points = []
    for i in range(96):
        angle = 2 * math.pi * i / 96
        r = RADIUS_KM * (1 + 0.12 * math.sin(2 * angle + phases[0]) + 0.07 * math.sin(3 * angle + phases[1])
                         + 0.04 * math.sin(7 * angle + phases[2]))
        points.append((1.15 * r * math.cos(angle), 0.9 * r * math.sin(angle)))
    return Polygon(points)


def _inside(region: BaseGeometry, rng: random.Random, count: int) -> list[tuple[float, float]]:
    """``count`` random points inside ``region`` (rejection sampling in its bounding box)."""
    west, south, east, north = region.bounds
    shapely.prepare(region)
    found: list[tuple[float, float]] = []
    for _ in range(count * 1000):
        if len(found) == count:
            break
        x, y = rng.uniform(west, east), rng.uniform(south, north)
        if shapely.contains_xy(region, x, y):
            found.append((x, y))
    while len(found) < count:  # a sliver too thin to hit: its inside point will do
        found.append(region.representative_point().coords[0])
    return found


def _polygonal(geometry: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty]
    return shapely.union_all(parts) if len(parts) != 1 else parts[0]


def _cells(points: list[tuple[float, float]], region: BaseGeometry) -> list[BaseGeometry]:
    """The Voronoi cell of each point (in order), clipped to ``region``."""
    if len(points) == 1:
        return [region]
    diagram = shapely.voronoi_polygons(MultiPoint(points), extend_to=region)
    cells = list(shapely.get_parts(diagram))
    ordered = []
    for x, y in points:
        here = Point(x, y)
        cell = next((c for c in cells if c.covers(here)), None)
        ordered.append(_polygonal(cell.intersection(region)) if cell is not None else Polygon())
    return ordered


def _split(region: BaseGeometry, count: int, rng: random.Random) -> list[BaseGeometry]:
    """``region`` in ``count`` contiguous, roughly equal cells."""
    if count == 0:
        return []
    points = _inside(region, rng, count)
    for _ in range(RELAXATION_ROUNDS):
        cells = _cells(points, region)
        points = [(c.centroid.x, c.centroid.y) if not c.is_empty and region.contains(c.centroid) else p
                  for c, p in zip(cells, points, strict=True)]
    return _cells(points, region)


def _to_lonlat(geometry: BaseGeometry) -> BaseGeometry:
    def convert(coords):
        lon = CENTRE[0] + coords[:, 0] / KM_PER_DEGREE_LON
        lat = CENTRE[1] + coords[:, 1] / KM_PER_DEGREE_LAT
        coords[:, 0], coords[:, 1] = lon.round(DIGITS), lat.round(DIGITS)
        return coords

    return shapely.transform(geometry, convert)


def _geometry(shape: BaseGeometry) -> dict:
    """GeoJSON geometry with the outer rings counter-clockwise (RFC 7946), as plain lists."""
    parts = [orient(p, 1.0) for p in shapely.get_parts(_to_lonlat(shape)) if p.geom_type == "Polygon"]
    geometry = mapping(parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts))
    return json.loads(json.dumps(geometry))


def _feature(node: Node, shape: BaseGeometry) -> dict:
    return {"type": "Feature", "properties": {"code": node.code, "name": node.name, "level": node.level},
            "geometry": _geometry(shape)}


def generate(nodes: Iterable[Node], seed: int = 7) -> Layout:
    """The county, town and work-area shapes and the village points of this grid tree."""
    nodes = sorted(nodes, key=lambda n: n.code)
    children: dict[str | None, list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent, []).append(node)
    features: list[dict] = []
    villages: dict[str, tuple[float, float]] = {}
    for county in (n for n in nodes if n.level == "county"):
        outline = _outline(_rng(seed, f"outline:{county.code}"))
        features.append(_feature(county, outline))
        towns = [n for n in children.get(county.code, []) if n.level == "town"]
        town_shapes = _split(outline, len(towns), _rng(seed, county.code))
        area_features = []
        for town, town_shape in zip(towns, town_shapes, strict=True):
            features.append(_feature(town, town_shape))
            areas = [n for n in children.get(town.code, []) if n.level == "area"]
            for area, area_shape in zip(areas, _split(town_shape, len(areas), _rng(seed, town.code)), strict=True):
                area_features.append(_feature(area, area_shape))
                inner = area_shape.buffer(-VILLAGE_MARGIN_KM)
                spots = inner if not inner.is_empty else area_shape
                members = [n for n in children.get(area.code, []) if n.level == "village"]
                for village, (x, y) in zip(members, _inside(spots, _rng(seed, area.code), len(members)),
                                           strict=True):
                    point = _to_lonlat(Point(x, y))
                    villages[village.code] = (point.x, point.y)
        features += area_features
    return Layout({"type": "FeatureCollection", "features": features}, villages)


def near(point: tuple[float, float], rng: random.Random, within_km: float = VILLAGE_MARGIN_KM * 0.75
         ) -> tuple[float, float]:
    """A place at most ``within_km`` from ``point`` (lon, lat): where a case near a village was."""
    angle, distance = rng.uniform(0, 2 * math.pi), within_km * math.sqrt(rng.random())
    return (round(point[0] + distance * math.cos(angle) / KM_PER_DEGREE_LON, DIGITS),
            round(point[1] + distance * math.sin(angle) / KM_PER_DEGREE_LAT, DIGITS))
