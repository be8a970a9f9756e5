"""What the figures can be broken down by (town, work area, department, category, channel, tier)
and filtered on: each dimension's key as SQL, its condition, and the words for its keys.

A place's town and work area come from the case's denormalised grid path
(``/county/town/area/village/``, engine/org/places.py): the second and third codes.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from engine.core.errors import FormInvalid
from engine.models import CATEGORIES, CHANNELS, TIERS, Case, Department, Grid
from engine.vocabulary.words import CATEGORIES as CATEGORY_WORDS
from engine.vocabulary.words import CHANNELS as CHANNEL_WORDS
from engine.vocabulary.words import NO_DEPARTMENT, NO_PLACE, SLICES, word
from engine.vocabulary.words import TIERS as TIER_WORDS

DIMENSIONS = tuple(SLICES)  # town, area, department, category, channel, tier
# A slice key standing for "none" (no place, no department) in URLs and the API.
NONE_KEY = "~"
# Grid path positions: "/C/T01/T01-A01/…".split("/") → ["", "C", "T01", "T01-A01", …]
_PATH_PART = {"town": 3, "area": 4}
_GRID_LEVEL = {"town": "town", "area": "area"}


def _path_part(dialect: str, position: int):
    """The code at ``position`` of the grid path ('' → NULL), as SQL on either database."""
    if dialect == "postgresql":
        return func.nullif(func.split_part(Case.grid_path, "/", position), "")
    # SQLite has no split_part: drop the leading "/", then one code at a time.
    rest = func.substr(Case.grid_path, 2)
    for _ in range(position - 2):
        rest = func.substr(rest, func.instr(rest, "/") + 1)
    return func.nullif(func.substr(rest, 1, func.instr(rest, "/") - 1), "")


def key_column(by: str, dialect: str):
    """The SQL expression whose value is a case's key in dimension ``by``."""
    if by in _PATH_PART:
        return _path_part(dialect, _PATH_PART[by])
    return {"department": Case.department_id, "category": Case.category, "channel": Case.channel,
            "tier": Case.tier}[by]


def check_dimension(by: str | None, field: str = "by") -> str | None:
    if by in (None, ""):
        return None
    if by not in DIMENSIONS:
        raise FormInvalid({field: [f"未知的分组 {str(by)[:40]!r} (unknown slice; one of {', '.join(DIMENSIONS)})"]})
    return by


@dataclass(frozen=True)
class Filters:
    """Narrowing on the same dimensions (codes; empty means any). Unknown codes are refused by
    ``check``; a place or department that does not exist matches no case."""

    town: str = ""
    area: str = ""
    department: str = ""
    category: str = ""
    channel: str = ""
    tier: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """From query arguments (a dict or a werkzeug MultiDict), checked."""
        made = cls(**{f.name: str(args.get(f.name) or "").strip()[:64] for f in fields(cls)})
        made.check()
        return made

    def check(self) -> None:
        errors = {}
        if self.category and self.category not in CATEGORIES:
            errors["category"] = [f"未知的问题类别 (unknown category; one of {', '.join(CATEGORIES)})"]
        if self.channel and self.channel not in CHANNELS:
            errors["channel"] = [f"未知的来源渠道 (unknown channel; one of {', '.join(CHANNELS)})"]
        if self.tier and (not self.tier.isdigit() or int(self.tier) not in TIERS):
            errors["tier"] = [f"未知的督办层级 (unknown tier; one of {', '.join(map(str, TIERS))})"]
        if errors:
            raise FormInvalid(errors)

    def as_args(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def conditions(self, session: Session) -> list:
        return [slice_condition(session, f.name, getattr(self, f.name))
                for f in fields(self) if getattr(self, f.name)]


def slice_condition(session: Session, by: str, key: str | None):
    """WHERE condition: the case's key in dimension ``by`` is ``key`` (None or NONE_KEY: has none)."""
    none = key is None or key == NONE_KEY
    if by in _PATH_PART:
        if none:
            return key_column(by, session.get_bind().dialect.name).is_(None)
        path = session.scalar(select(Grid.path).where(Grid.code == key, Grid.level == _GRID_LEVEL[by]))
        # A subtree is a prefix of the path: the grid_path index answers it.
        return Case.grid_path.startswith(path, autoescape=True) if path else false()
    if by == "department":
        if none:
            return Case.department_id.is_(None)
        department_id = session.scalar(select(Department.id).where(Department.code == key))
        return Case.department_id == department_id if department_id else false()
    if by == "tier":
        if none or not str(key).isdigit():
            return false()
        return Case.tier == int(key)
    column = key_column(by, "")
    return column.is_(None) if none else column == key


def key_of(by: str, raw, departments: dict[int, str]) -> str | None:
    """The key as the API and URLs write it, from the raw SQL value."""
    if raw is None:
        return None
    if by == "department":
        return departments.get(raw, str(raw))
    return str(raw)


def department_codes(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Department.id, Department.code)).all())


def labels(session: Session, by: str, keys: Iterable[str | None]) -> dict[str | None, str]:
    """Chinese words for keys of dimension ``by`` (message ids for the vocabulary words; the
    names of places and departments as the administrator wrote them)."""
    keys = set(keys)
    found: dict[str | None, str] = {}
    if by in _PATH_PART:
        codes = [k for k in keys if k]
        found.update(session.execute(select(Grid.code, Grid.name).where(Grid.code.in_(codes))).all()
                     if codes else [])
        none = NO_PLACE
    elif by == "department":
        codes = [k for k in keys if k]
        found.update(session.execute(select(Department.code, Department.name)
                                     .where(Department.code.in_(codes))).all() if codes else [])
        none = NO_DEPARTMENT
    else:
        table = {"category": CATEGORY_WORDS, "channel": CHANNEL_WORDS, "tier": TIER_WORDS}[by]
        found.update((k, word(table, k)) for k in keys if k is not None)
        none = NO_PLACE
    return {k: (found.get(k) or k) if k is not None else none for k in keys}


def sort_key(by: str, key: str | None):
    """Vocabulary order for the vocabularies, code order for places and departments; none last."""
    order = {"category": CATEGORIES, "channel": tuple(CHANNEL_WORDS), "tier": tuple(map(str, TIERS))}.get(by)
    if key is None:
        return (2, 0, "")
    if order is not None and key in order:
        return (0, order.index(key), key)
    return (1, 0, key)
