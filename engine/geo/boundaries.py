"""The boundary file the map draws: replaced by an administrator's upload or by shapes generated
from the grid tree, one row, each change audited like the other administrative changes
(engine/org/changes.py).

The stored file is what was uploaded, checked and re-encoded compactly; what the map receives is
its shapes with only each grid node's code, level and current name (``map_layer``), so a name
in the file is never shown and a renamed town is labelled by its new name.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import Problem
from engine.geo import geojson
from engine.geo.layout import DIGITS, Layout, Node, generate
from engine.models import Grid
from engine.models.geo import MapBoundaries
from engine.org.changes import audit

ROW_ID = 1
# The demo's and the generated shapes' seed: the same tree always gives the same county.
SEED = 7


def grid_nodes(session: Session) -> list[Node]:
    parents = dict(session.execute(select(Grid.id, Grid.code)).all())
    return [Node(g.code, g.name, g.level, parents.get(g.parent_id)) for g in session.scalars(select(Grid))]


def grid_levels(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Grid.code, Grid.level)).all())


def current(session: Session) -> MapBoundaries | None:
    return session.get(MapBoundaries, ROW_ID)


def generated_layout(session: Session) -> Layout:
    """The shapes and village points ``generate`` draws for this grid tree."""
    return generate(grid_nodes(session), SEED)


def _anchors(shapes: Mapping[str, BaseGeometry]) -> dict[str, list[float]]:
    return {code: [round(p.x, DIGITS), round(p.y, DIGITS)]
            for code, p in ((code, shape.representative_point()) for code, shape in shapes.items())}


def _store(session: Session, checked: geojson.Boundaries, source: str, filename: str | None, actor: str,
           now: datetime) -> tuple[MapBoundaries, str | None]:
    text = checked.text
    row = session.get(MapBoundaries, ROW_ID, with_for_update=True)
    before = row.sha256 if row is not None else None
    if row is None:
        row = MapBoundaries(id=ROW_ID)
        session.add(row)
    west, south, east, north = shapely.union_all(list(checked.shapes.values())).bounds
    row.geojson = text
    row.anchors = _anchors(checked.shapes)
    row.bbox = [round(v, DIGITS) for v in (west, south, east, north)]
    row.features = len(checked.collection["features"])
    row.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row.source, row.filename, row.updated_by, row.updated_at = source, filename, actor, now
    session.flush()
    return row, before


def upload(session: Session, raw: bytes, filename: str, actor: str, now: datetime
           ) -> tuple[MapBoundaries, list[Problem]]:
    """Store an uploaded file in place of the current one; geojson.BoundariesRefused (nothing
    changed) when it does not pass ``geojson.check``. Returns the row and the notes on it."""
    checked = geojson.check(raw, grid_levels(session))
    row, before = _store(session, checked, "uploaded", filename[:255], actor, now)
    audit(session, actor, "map_boundaries_uploaded", now, filename=row.filename, features=row.features,
          size=len(raw), sha256=row.sha256, before_sha256=before)
    return row, checked.notes


def use_generated(session: Session, actor: str, now: datetime) -> MapBoundaries:
    """Replace the current file with the shapes generated from the grid tree (the reset)."""
    layout = generated_layout(session)
    checked = geojson.check(layout.text.encode("utf-8"), grid_levels(session))
    row, before = _store(session, checked, "generated", None, actor, now)
    audit(session, actor, "map_boundaries_generated", now, features=row.features, sha256=row.sha256,
          before_sha256=before)
    return row


def stored_text(session: Session) -> str | None:
    """The stored file (for the download), None when there is none."""
    row = current(session)
    return row.geojson if row is not None else None


def layer_version(session: Session, row: MapBoundaries) -> str:
    """Changes when the file or any shaped node's name changes (the map layer's ETag)."""
    names = sorted((code, name) for code, name in session.execute(select(Grid.code, Grid.name))
                   if code in row.anchors)
    return hashlib.sha256(json.dumps([row.sha256, names], ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def map_layer(session: Session, row: MapBoundaries) -> dict:
    """The stored shapes as the map draws them: each feature's properties replaced by its grid
    node's code, level and name, and the label point (``anchor``); features of nodes deleted
    from the tree since the upload are left out."""
    nodes = {g.code: g for g in session.scalars(select(Grid))}
    features = []
    for feature in json.loads(row.geojson)["features"]:
        node = nodes.get(geojson.feature_code(feature) or "")
        if node is None:
            continue
        features.append({"type": "Feature", "geometry": feature["geometry"],
                         "properties": {"code": node.code, "level": node.level, "name": node.name,
                                        "anchor": row.anchors.get(node.code)}})
    order = {"county": 0, "town": 1, "area": 2}
    features.sort(key=lambda f: (order.get(f["properties"]["level"], 3), f["properties"]["code"]))
    return {"type": "FeatureCollection", "bbox": row.bbox, "features": features}
