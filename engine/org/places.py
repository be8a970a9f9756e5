"""Read-only questions about places: the towns, a case's town and place names, the pickers' lists.

The grid tree is county → town → work area → village, and a node's path lists the codes from the
county down ("/C/T01/T01-A01/…"), so a place's town is the second code of its path. Changing
the tree is engine/org/grid_tree.py.
"""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core import reference_cache
from engine.models import LOCAL_GRID_LEVELS, Grid


class GridRef(NamedTuple):
    """A grid node as plain values, safe to keep beyond the session that read it."""

    id: int
    code: str
    level: str
    parent_id: int | None
    path: str


def grid_ref(session: Session, *, code: str | None = None, grid_id: int | None = None) -> GridRef | None:
    """The node with ``code`` (or ``grid_id``), kept per process until the grid changes: intake and
    the duplicate and repeat checks of every new case ask (engine/core/reference_cache.py)."""
    if code is None and grid_id is None:
        return None
    where = Grid.code == code if code is not None else Grid.id == grid_id

    def load() -> GridRef | None:
        row = session.execute(select(Grid.id, Grid.code, Grid.level, Grid.parent_id, Grid.path).where(where)).first()
        return GridRef(*row) if row else None

    return reference_cache.cached(session, "grid", ("code", code) if code is not None else ("id", grid_id), load)


def town_code(grid_path: str | None) -> str | None:
    """``/C/T01/T01-A01/…`` → ``T01``; None for the county itself or no place."""
    parts = [p for p in (grid_path or "").split("/") if p]
    return parts[1] if len(parts) > 1 else None


def towns(session: Session, within: str | None = "/") -> list[Grid]:
    """The towns in code order that share a subtree with the grid path ``within``: every town
    for "/" (or the county), the town a work area or village belongs to, none for no path."""
    if not within:
        return []
    rows = session.scalars(select(Grid).where(Grid.level == "town").order_by(Grid.code))
    return [town for town in rows if town.path.startswith(within) or within.startswith(town.path)]


def town_choices(session: Session, within: str | None = "/") -> list[tuple[str, str]]:
    """(code, name) of ``towns``, for a town filter; kept per process until the grid changes
    (engine/core/reference_cache.py), since every inbox page shows the filter."""
    return reference_cache.cached(session, "town_choices", within,
                                  lambda: [(town.code, town.name) for town in towns(session, within)])


def town_path(session: Session, code: str) -> str | None:
    """The grid path of the town with this code (a filter's subtree), None if there is none."""
    return session.scalar(select(Grid.path).where(Grid.code == code, Grid.level == "town"))


def place_names(session: Session, grid_path: str | None) -> list[str]:
    """The names along a grid path, town first (the county is implied)."""
    codes = [p for p in (grid_path or "").split("/") if p][1:]
    if not codes:
        return []
    # Read for every document issued within an engine step: kept per process until the grid
    # changes (engine/core/reference_cache.py).
    return list(reference_cache.cached(session, "place_names", grid_path, lambda: _names_along(session, codes)))


def _names_along(session: Session, codes: list[str]) -> list[str]:
    names = dict(session.execute(select(Grid.code, Grid.name).where(Grid.code.in_(codes))).all())
    return [names.get(code, code) for code in codes]


def grid_children(session: Session, parent_code: str | None) -> list[Grid]:
    """The towns (no parent given), or the children of one grid node, in code order."""
    if not parent_code:
        return towns(session)
    parent = session.scalars(select(Grid).where(Grid.code == parent_code)).first()
    if parent is None:
        return []
    return list(session.scalars(select(Grid).where(Grid.parent_id == parent.id).order_by(Grid.code)))


def grid_lineage(session: Session, code: str | None) -> dict[str, Grid]:
    """{level: node} from the town down to the node with ``code`` (empty if unknown)."""
    node = session.scalars(select(Grid).where(Grid.code == code)).first() if code else None
    found: dict[str, Grid] = {}
    while node is not None and node.level != "county":
        found[node.level] = node
        node = session.get(Grid, node.parent_id) if node.parent_id else None
    return found


class Place(NamedTuple):
    """A grid node's name and place in the tree, as plain values (kept beyond its session)."""

    id: int
    code: str
    name: str
    level: str
    parent_id: int | None


def villages_by_area(session: Session) -> tuple[tuple[Place, Place, tuple[Place, ...]], ...]:
    """(town, work area, villages) for every work area: the one-select picker without JavaScript.
    Kept per process until the grid changes: every public complaint form shows it, and reading
    the whole local grid as ORM objects was most of that page's time (bench/http_bench.py). The
    kept value itself is returned (immutable), the same object until the grid changes, so the
    web layer can keep its HTML beside it (webapp/village_options.py)."""

    def load() -> tuple[tuple[Place, Place, tuple[Place, ...]], ...]:
        rows = [Place(*row) for row in session.execute(
            select(Grid.id, Grid.code, Grid.name, Grid.level, Grid.parent_id)
            .where(Grid.level.in_(LOCAL_GRID_LEVELS)).order_by(Grid.code))]
        by_id = {g.id: g for g in rows}
        villages: dict[int, list[Place]] = {}
        for grid in rows:
            if grid.level == "village" and grid.parent_id in by_id:
                villages.setdefault(grid.parent_id, []).append(grid)
        return tuple((by_id[grid.parent_id], grid, tuple(villages[grid.id])) for grid in rows
                     if grid.level == "area" and grid.id in villages and grid.parent_id in by_id)

    return reference_cache.cached(session, "grid", ("villages_by_area",), load)
