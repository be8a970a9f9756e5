"""The county's map: the boundaries of its towns and work areas, as GeoJSON."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.models.base import Base


class MapBoundaries(Base):
    """The one boundary file the map draws (row id 1): uploaded by an administrator, or generated
    from the grid tree (the demo county's shapes). Replaced whole, never edited in place."""

    __tablename__ = "map_boundaries"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The FeatureCollection as checked and stored (compact JSON, the properties as uploaded).
    geojson: Mapped[str] = mapped_column(Text, deferred=True)
    # {grid code: [lon, lat]}: a point inside each shape, for labels and for cases without coordinates.
    anchors: Mapped[dict] = mapped_column(JSON, default=dict)
    # [west, south, east, north] of all shapes: where the map starts.
    bbox: Mapped[list] = mapped_column(JSON)
    features: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    # uploaded | generated
    source: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str | None] = mapped_column(String(255))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column()
