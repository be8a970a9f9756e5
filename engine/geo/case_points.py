"""The open cases on the map: the board's cases (engine/work/board.py: the same scope, filters
and colours) with where each one is.

A case is placed at its own coordinates when it has them (the public form's "use my location",
a grid officer's phone, Open311's lat/long); otherwise at the label point of the deepest shape
along its grid path — its work area, else its town — marked approximate, since a hotline case
usually has an address but no coordinates. A case with neither is counted, not drawn.

The map hangs on a wall (挂图督办) where anyone in the room reads it, so the titles go through the
complainant redactor for colleagues without the right (engine/cases/masking.py) whoever asks,
and the complainant's name and phone are never among the fields.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases.masking import redact_case_text
from engine.models import Case, Department
from engine.org.places import town_choices, town_code
from engine.work import board

# More markers than this make the map unreadable and the answer slow; the filters narrow it.
MAX_CASES = 3000


@dataclass(frozen=True)
class MapCase:
    id: int
    number: str
    title: str
    colour: str
    stage: str | None
    tier: int
    urgent: bool
    stage_due: datetime | None
    category: str
    department: str | None
    town: str | None
    lon: float
    lat: float
    approximate: bool


@dataclass
class MapCases:
    cases: list[MapCase]
    unplaced: int  # matched the filters but have no coordinates and no shape to stand in for them
    more: int  # matched beyond MAX_CASES


def _place(longitude, latitude, grid_path: str | None, anchors: Mapping[str, list[float]]):
    if longitude is not None and latitude is not None:
        return float(longitude), float(latitude), False
    for code in reversed([p for p in (grid_path or "").split("/") if p]):
        anchor = anchors.get(code)
        if anchor:
            return float(anchor[0]), float(anchor[1]), True
    return None


def map_cases(session: Session, scope, filters: board.BoardFilters, anchors: Mapping[str, list[float]],
              limit: int = MAX_CASES) -> MapCases:
    """The open cases in ``scope`` matching ``filters`` (the colour too), most urgent first."""
    where = board.conditions(session, scope, filters)
    if filters.colour:
        where.append(Case.colour == filters.colour)
    towns = dict(town_choices(session))
    query = (select(Case.id, Case.number, Case.title, Case.colour, Case.stage, Case.tier, Case.urgent,
                    Case.stage_due, Case.category, Department.name.label("department"), Case.grid_path,
                    Case.longitude, Case.latitude, Case.complainant_name, Case.complainant_phone,
                    Case.tracking_code)
             .outerjoin(Department, Department.id == Case.department_id)
             .where(*where)
             .order_by(Case.tier.desc(), Case.stage_due.asc().nulls_last(), Case.id)
             .limit(limit + 1))
    rows = list(session.execute(query))
    more = 0
    if len(rows) > limit:
        rows = rows[:limit]
        more = session.scalar(select(func.count()).select_from(Case).where(*where)) - limit
    cases, unplaced = [], 0
    for row in rows:
        place = _place(row.longitude, row.latitude, row.grid_path, anchors)
        if place is None:
            unplaced += 1
            continue
        cases.append(MapCase(row.id, row.number, redact_case_text(row, row.title), row.colour, row.stage,
                             row.tier, row.urgent, row.stage_due, row.category, row.department,
                             towns.get(town_code(row.grid_path) or ""), *place))
    return MapCases(cases, unplaced, more)
