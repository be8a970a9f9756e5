"""Checking an uploaded boundary file (engine/geo/geojson.py): what passes, and each way a file is
refused with the problem named."""
from __future__ import annotations

import json

import pytest

from engine.geo import geojson
from engine.geo.geojson import BoundariesRefused, check
from engine.geo.layout import Node, generate
from engine.org.seed import county_grid

NODES = [Node(*row) for row in county_grid(28, 56)]
GRID = {node.code: node.level for node in NODES}


def square(lon: float, lat: float, size: float = 0.01) -> list:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]]


def feature(code, geometry=None, **properties) -> dict:
    return {"type": "Feature", "properties": {"code": code, **properties},
            "geometry": geometry or {"type": "Polygon", "coordinates": square(113.0, 27.7)}}


def collection(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def refused(raw: bytes, grid=GRID) -> list:
    with pytest.raises(BoundariesRefused) as caught:
        check(raw, grid)
    return caught.value.problems[""]


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def test_the_generated_county_passes_with_a_shape_for_every_town_and_area():
    checked = check(generate(NODES).text.encode(), GRID)
    assert set(checked.shapes) == {n.code for n in NODES if n.level in ("county", "town", "area")}
    assert checked.notes == []


def test_a_file_with_a_multipolygon_a_bom_and_a_code_under_a_chinese_key_passes_and_names_missing_towns():
    multi = {"type": "MultiPolygon", "coordinates": [square(113.0, 27.7), square(113.1, 27.8)]}
    raw = b"\xef\xbb\xbf" + collection(feature("T01", multi), {"type": "Feature", "geometry": {
        "type": "Polygon", "coordinates": square(113.2, 27.7)}, "properties": {"网格编码": "T01-A01"}})
    checked = check(raw, GRID)
    assert set(checked.shapes) == {"T01", "T01-A01"}
    assert checked.shapes["T01"].geom_type == "MultiPolygon"
    [note] = checked.notes
    assert note.code == "towns_without_shape" and note.params["n"] == 13 and "T02" in note.params["codes"]


def test_a_self_touching_polygon_is_kept_as_drawn_and_repaired_only_for_its_label_point():
    bowtie = {"type": "Polygon", "coordinates": [[[113, 27.7], [113.01, 27.71], [113.01, 27.7], [113, 27.71],
                                                  [113, 27.7]]]}
    checked = check(collection(feature("T01", bowtie)), GRID)
    assert checked.collection["features"][0]["geometry"] == bowtie
    assert checked.shapes["T01"].is_valid


def test_malformed_json_names_the_line():
    problems = refused(b'{"type": "FeatureCollection",\n "features": [,]}')
    assert codes(problems) == ["not_json"] and problems[0].params["line"] == 2


@pytest.mark.parametrize("raw, code", [
    (b"", "file_empty"),
    ("{\"type\": \"FeatureCollection\"}".encode("utf-16"), "file_encoding"),
    (b'{"type": "FeatureCollection", "features": [NaN]}', "not_json"),
    (b'{"type": "FeatureCollection", "features": "\\u0000"}', "unsafe_text"),
    (b"[1, 2]", "not_feature_collection"),
    (json.dumps(feature("T01")).encode(), "not_feature_collection"),
    (b'{"type": "FeatureCollection", "features": []}', "no_features"),
])
def test_what_is_not_a_feature_collection_is_refused(raw, code):
    assert codes(refused(raw)) == [code]


def test_wrong_geometry_types_are_named_per_feature():
    point = {"type": "Point", "coordinates": [113.0, 27.7]}
    line = {"type": "LineString", "coordinates": [[113.0, 27.7], [113.1, 27.7]]}
    problems = refused(collection(feature("T01", point), feature("T02", line), {"type": "Topology"}))
    assert [(p.code, p.params.get("feature"), p.params.get("type")) for p in problems] == [
        ("geometry_type", 1, "Point"), ("geometry_type", 2, "LineString"), ("not_a_feature", 3, None)]


def test_projected_coordinates_are_refused_with_the_value_and_a_hint():
    projected = {"type": "Polygon", "coordinates": [[[38500000, 3070000], [38501000, 3070000],
                                                     [38501000, 3071000], [38500000, 3070000]]]}
    [problem] = refused(collection(feature("T01", projected)))
    assert problem.code == "not_lonlat" and problem.params == {"feature": 1, "position": "[3.85e+07, 3.07e+06]"}


@pytest.mark.parametrize("coordinates, code", [
    ([[[113.0, 91.0], [113.1, 27.7], [113.1, 27.8], [113.0, 91.0]]], "not_lonlat"),
    ([[[113.0, 27.7], [113.1, 27.7], [113.1, 27.8], [113.0, 27.8]]], "ring_not_closed"),
    ([[[113.0, 27.7], [113.1, 27.7], [113.0, 27.7]]], "ring_too_short"),
    ([[[113.0, "27.7"], [113.1, 27.7], [113.1, 27.8], [113.0, "27.7"]]], "bad_position"),
    ([[[113.0, True], [113.1, 27.7], [113.1, 27.8], [113.0, True]]], "bad_position"),
    ([], "bad_coordinates"),
    ("113,27", "bad_coordinates"),
])
def test_bad_coordinates_are_named(coordinates, code):
    [problem] = refused(collection(feature("T01", {"type": "Polygon", "coordinates": coordinates})))
    assert (problem.code, problem.params["feature"]) == (code, 1)


def test_an_oversized_file_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(geojson, "MAX_BYTES", 1000)
    assert codes(refused(collection(*[feature(f"T{i:02d}") for i in range(1, 15)]))) == ["file_too_large"]


def test_too_many_positions_are_refused(monkeypatch):
    monkeypatch.setattr(geojson, "MAX_POSITIONS", 9)
    assert codes(refused(collection(feature("T01"), feature("T02")))) == ["too_many_positions"]


@pytest.mark.parametrize("depth", [40, 200_000])
def test_deeply_nested_json_is_refused(depth):
    raw = b'{"type": "FeatureCollection", "features": ' + b"[" * depth + b"]" * depth + b"}"
    assert codes(refused(raw)) == ["too_deep"]


def test_unmatched_codes_are_listed_together_and_duplicates_and_villages_named():
    problems = refused(collection(feature("T01"), feature("X9"), feature("T01"), feature("T01-A01-V01"),
                                  feature("X8"), {"type": "Feature", "properties": {"name": "无编码"},
                                                  "geometry": {"type": "Polygon", "coordinates": square(113, 27)}}))
    assert [(p.code, p.params) for p in problems] == [
        ("duplicate_code", {"feature": 3, "code": "T01", "first": 1}),
        ("code_level", {"feature": 4, "code": "T01-A01-V01", "level": "village"}),
        ("code_missing", {"feature": 6}),
        ("unknown_codes", {"codes": "X9、X8", "more": 0, "n": 2}),
    ]


def test_a_long_list_of_unmatched_codes_is_cut_with_a_count():
    [problem] = refused(collection(*[feature(f"Z{i:03d}") for i in range(45)]))
    assert problem.code == "unknown_codes" and problem.params["n"] == 45 and problem.params["more"] == 25
    assert problem.params["codes"].count("、") == geojson.MAX_LISTED - 1
