"""The generated county (engine/geo/layout.py): the same tree always gives the same file, every
town and work area has a shape, the shapes tile the county, and villages sit inside their area."""
from __future__ import annotations

import random
from functools import cache

import shapely
from shapely.geometry import Point, shape

from engine.geo.layout import Node, generate, near
from engine.org.seed import county_grid

DEMO = [Node(*row) for row in county_grid()]  # the demo's 14 towns, 105 work areas, 515 villages


@cache
def demo_layout():
    return generate(DEMO)


def shapes(layout) -> dict:
    return {f["properties"]["code"]: shape(f["geometry"]) for f in layout.collection["features"]}


def test_generation_is_deterministic_and_independent_of_the_order_of_the_tree():
    first = demo_layout()
    again = generate(list(reversed(DEMO)))
    assert first.text == again.text and first.villages == again.villages
    assert generate(DEMO, seed=8).text != first.text


def test_every_town_and_work_area_has_a_shape_and_every_village_a_point_inside_its_area():
    layout = demo_layout()
    found = shapes(layout)
    assert set(found) == {n.code for n in DEMO if n.level != "village"}
    assert set(layout.villages) == {n.code for n in DEMO if n.level == "village"}
    parent = {n.code: n.parent for n in DEMO}
    for village, (lon, lat) in layout.villages.items():
        assert found[parent[village]].contains(Point(lon, lat)), village
    assert {f["geometry"]["type"] for f in layout.collection["features"]} <= {"Polygon", "MultiPolygon"}


def test_towns_tile_the_county_and_work_areas_tile_their_town():
    found = shapes(demo_layout())
    county = found["C"]
    towns = [found[n.code] for n in DEMO if n.level == "town"]
    assert abs(shapely.union_all(towns).area - county.area) < county.area * 1e-4
    assert sum(t.area for t in towns) < county.area * (1 + 1e-4)  # no overlaps
    # Roughly equal: the smallest town is at least a third of the average.
    assert min(t.area for t in towns) > county.area / len(towns) / 3
    for town in (n for n in DEMO if n.level == "town"):
        areas = [found[n.code] for n in DEMO if n.parent == town.code]
        assert abs(shapely.union_all(areas).area - found[town.code].area) < found[town.code].area * 1e-3


def test_a_place_near_a_village_stays_within_a_few_hundred_metres():
    rng = random.Random(1)
    for _ in range(200):
        lon, lat = near((112.9, 27.7), rng)
        assert abs(lon - 112.9) < 0.004 and abs(lat - 27.7) < 0.003


def test_a_tree_with_one_area_per_town_and_a_bare_town_still_draws():
    nodes = [Node("C", "县", "county", None), Node("T1", "甲镇", "town", "C"), Node("T2", "乙镇", "town", "C"),
             Node("T1-A1", "甲镇一网格", "area", "T1"), Node("T1-A1-V1", "一村", "village", "T1-A1")]
    found = shapes(generate(nodes))
    assert set(found) == {"C", "T1", "T2", "T1-A1"}
    assert found["T1-A1"].equals(found["T1"])
