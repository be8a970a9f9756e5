"""Storing the boundary file (engine/geo/boundaries.py) and placing the open cases on the map
(engine/geo/case_points.py), on the test database."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from engine.geo import boundaries
from engine.geo.case_points import map_cases
from engine.geo.geojson import BoundariesRefused
from engine.models import AuditEvent, Case, Grid
from engine.models.geo import MapBoundaries
from engine.work.board import BoardFilters
from tests.conftest import START
from webapp.access import load_staff


def town_square(code: str, lon: float, lat: float, **properties) -> dict:
    ring = [[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]
    return {"type": "Feature", "properties": {"code": code, **properties},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def upload_file(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def write(env, service, *args):
    """An administrative service in a write transaction of its own (they take no runtime)."""
    with env.db.write() as s:
        return service(s, *args)


def events(env, kind: str) -> list[AuditEvent]:
    with env.db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)))


def test_an_upload_is_stored_with_label_points_and_audited(env):
    raw = upload_file(town_square("T01", 113.0, 27.7, name="城关"), town_square("T02", 113.1, 27.7))
    row, notes = write(env, boundaries.upload, raw, "county.geojson", "admin", START)
    assert (row.source, row.filename, row.features) == ("uploaded", "county.geojson", 2)
    assert row.bbox == [113.0, 27.7, 113.2, 27.8]
    lon, lat = row.anchors["T01"]
    assert 113.0 < lon < 113.1 and 27.7 < lat < 27.8
    assert notes[0].code == "towns_without_shape" and notes[0].params["n"] == 12
    [event] = events(env, "map_boundaries_uploaded")
    assert event.actor == "admin" and event.case_id is None
    assert event.detail["features"] == 2 and event.detail["before_sha256"] is None
    with env.db.read() as s:
        assert json.loads(boundaries.stored_text(s))["features"][0]["properties"]["name"] == "城关"


def test_a_refused_upload_leaves_the_stored_file_as_it_was(env):
    write(env, boundaries.upload, upload_file(town_square("T01", 113.0, 27.7)), "good.geojson", "admin", START)
    with env.db.read() as s:
        before = boundaries.stored_text(s), boundaries.current(s).sha256
    with pytest.raises(BoundariesRefused):
        write(env, boundaries.upload, upload_file(town_square("NOPE", 113.0, 27.7)), "bad.geojson", "admin", START)
    with pytest.raises(BoundariesRefused):
        write(env, boundaries.upload, b"{not json", "bad.geojson", "admin", START)
    with env.db.read() as s:
        assert (boundaries.stored_text(s), boundaries.current(s).sha256) == before
    assert len(events(env, "map_boundaries_uploaded")) == 1


def test_generated_shapes_replace_an_upload_and_say_what_they_replaced(env):
    first, _notes = write(env, boundaries.upload, upload_file(town_square("T01", 113.0, 27.7)), "a.geojson", "admin",
                            START)
    sha = first.sha256
    row = write(env, boundaries.use_generated, "admin", START)
    with env.db.read() as s:
        towns = set(s.scalars(select(Grid.code).where(Grid.level.in_(("county", "town", "area")))))
    assert row.source == "generated" and row.filename is None and set(row.anchors) == towns
    [event] = events(env, "map_boundaries_generated")
    assert event.detail["before_sha256"] == sha
    with env.db.read() as s:
        assert s.scalar(select(MapBoundaries.id)) == 1  # one file, replaced


def test_the_map_layer_shows_current_grid_names_never_the_file_s(env):
    write(env, boundaries.upload, upload_file(town_square("T01", 113.0, 27.7, name="<script>x</script>"),
                                           town_square("T01-A01", 113.0, 27.7)), "a.geojson", "admin", START)
    with env.db.write() as s:
        s.execute(update(Grid).where(Grid.code == "T01").values(name="新城关镇"))
    with env.db.read() as s:
        row = boundaries.current(s)
        version = boundaries.layer_version(s, row)
        layer = boundaries.map_layer(s, row)
    assert [f["properties"]["code"] for f in layer["features"]] == ["T01", "T01-A01"]  # towns first
    town = layer["features"][0]["properties"]
    assert town["name"] == "新城关镇" and town["level"] == "town" and town["anchor"] == row.anchors["T01"]
    assert "<script>" not in json.dumps(layer)
    with env.db.write() as s:
        s.execute(update(Grid).where(Grid.code == "T01").values(name="城关镇"))
    with env.db.read() as s:
        assert boundaries.layer_version(s, boundaries.current(s)) != version  # a rename reaches the map


# ---------------------------------------------------------------------------- the cases on the map


@pytest.fixture
def placed(env):
    """A county with generated boundaries and open cases: with and without coordinates, in T01
    and T02, one without any place."""
    row = write(env, boundaries.use_generated, "admin", START)
    cases = {
        "located": env.register(title="城关镇化工厂异味，投诉人电话13912345678", longitude=112.91, latitude=27.71,
                                complainant_phone="13912345678"),
        "area_only": env.register(title="城关镇搅拌站扬尘", grid_code="T01-A02-V01", category="noise"),
        "other_town": env.register(title="东城街道噪声", grid_code="T02-A01-V01"),
        "nowhere": env.register(title="无地点投诉", grid_code=None),
        "closed": env.register(title="已办结", grid_code="T01-A01-V01"),
    }
    with env.db.write() as s:
        s.execute(update(Case).where(Case.id == cases["closed"].id).values(status="closed", colour="green"))
        s.execute(update(Case).where(Case.id == cases["other_town"].id).values(colour="red", tier=2))
    return row.anchors, cases


def staff(env, username: str):
    with env.db.read() as s:
        from engine.models import User

        return load_staff(s, s.scalar(select(User.id).where(User.username == username)))


def found(env, username: str, anchors, filters=BoardFilters()):
    from engine.org.scopes import case_scope

    with env.db.read() as s:
        return map_cases(s, case_scope(staff(env, username)), filters, anchors)


def test_cases_stand_at_their_coordinates_or_at_their_work_area_marked_approximate(env, placed):
    anchors, cases = placed
    result = found(env, "supervisor", anchors)
    by_id = {c.id: c for c in result.cases}
    assert set(by_id) == {cases[k].id for k in ("located", "area_only", "other_town")}
    assert result.unplaced == 1 and result.more == 0  # "nowhere" is counted, not drawn; closed is not open
    located = by_id[cases["located"].id]
    assert (located.lon, located.lat, located.approximate) == (112.91, 27.71, False)
    area = by_id[cases["area_only"].id]
    assert [area.lon, area.lat] == anchors["T01-A02"] and area.approximate
    assert by_id[cases["other_town"].id].town == "东城街道"
    # Most urgent first, as on the board: the red tier-2 case leads.
    assert result.cases[0].id == cases["other_town"].id


def test_a_town_supervisor_gets_only_their_town_s_cases(env, placed):
    anchors, cases = placed
    ids = {c.id for c in found(env, "town", anchors).cases}
    assert ids == {cases["located"].id, cases["area_only"].id}  # both in T01 (the located one's village)


def test_titles_never_carry_the_complainant_s_phone_even_for_supervisors(env, placed):
    anchors, cases = placed
    [located] = [c for c in found(env, "supervisor", anchors).cases if c.id == cases["located"].id]
    assert "13912345678" not in located.title and "139****5678" in located.title


def test_the_board_s_filters_and_the_colour_narrow_the_map(env, placed):
    anchors, cases = placed
    by = lambda **f: {c.id for c in found(env, "supervisor", anchors, BoardFilters(**f)).cases}  # noqa: E731
    assert by(colour="red") == {cases["other_town"].id}
    assert by(tier=2) == {cases["other_town"].id}
    assert by(category="noise") == {cases["area_only"].id}
    assert by(town="T02") == {cases["other_town"].id}
    assert by(town="T03") == set()


def test_beyond_the_limit_the_rest_are_counted(env, placed):
    from engine.org.scopes import case_scope

    anchors, _cases = placed
    with env.db.read() as s:
        result = map_cases(s, case_scope(staff(env, "supervisor")), BoardFilters(), anchors, limit=1)
    assert len(result.cases) == 1 and result.more == 3
