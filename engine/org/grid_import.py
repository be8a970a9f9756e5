"""Importing the grid tree from a CSV file: a dry run that says what would change, then all or nothing.

Columns (header in English or Chinese, any order): level 层级, code 编码, name 名称, parent 上级编码,
officers 网格员 (usernames separated by ";", "；" or "、"). Excel in China saves CSV as GBK, so
UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text", tab separated) and GB18030 (a
superset of GBK) are all read.

An import only adds and changes: a node missing from the file stays as it is, and so does an
officer posted to a node who is not listed for it (the preview says so). Existing nodes keep
their code and level; a different parent moves the node with its subtree and open work
(engine/grid_tree.py). Listing an officer posts that handler to the node as its grid officer.
"""
from __future__ import annotations

import codecs
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from engine.core import spreadsheet
from engine.core.errors import AdminError, Problem
from engine.core.table_file import TableRefused, csv_cells, records
from engine.models import GRID_LEVELS, LOCAL_GRID_LEVELS, Grid, User
from engine.models.people_admin import GridImport
from engine.org import grid_tree
from engine.org.changes import audit
from engine.org.grid_tree import child_level, code_problem, name_problem

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = ("level", "code", "name", "parent", "officers")
REQUIRED = ("level", "code", "name", "parent")
HEADER_ALIASES = {
    "level": "level", "层级": "level", "级别": "level",
    "code": "code", "编码": "code", "网格编码": "code", "代码": "code",
    "name": "name", "名称": "name", "网格名称": "name",
    "parent": "parent", "parent_code": "parent", "parentcode": "parent", "上级编码": "parent", "上级": "parent",
    "上级网格编码": "parent",
    "officers": "officers", "officer": "officers", "网格员": "officers", "网格员账号": "officers",
}
LEVEL_WORDS = {
    "county": "county", "县": "county", "县区": "county", "县（区）": "county", "县(区)": "county", "区县": "county",
    "town": "town", "乡镇": "town", "乡": "town", "镇": "town", "街道": "town", "乡镇（街道）": "town",
    "乡镇(街道)": "town",
    "area": "area", "网格": "area", "工作网格": "area", "片区": "area",
    "village": "village", "村": "village", "社区": "village", "村（社区）": "village", "村(社区)": "village",
}
EXPORT_LEVELS = {"county": "县", "town": "乡镇", "area": "网格", "village": "村"}
EXPORT_HEADER = ["层级", "编码", "名称", "上级编码", "网格员"]
OFFICER_SPLIT = re.compile(r"[;；、,，\s]+")


@dataclass
class Row:
    line: int
    code: str
    name: str
    level: str | None
    parent: str | None
    officers: list[str]
    action: str = "unchanged"  # create | update | unchanged | error
    changes: list[Problem] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass
class Plan:
    rows: list[Row] = field(default_factory=list)
    file_errors: list[Problem] = field(default_factory=list)
    encoding: str | None = None

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(r.errors for r in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {a: self.count(a) for a in ("create", "update", "unchanged", "error")}

    @property
    def digest(self) -> str:
        """What applying would do: the same file on a changed tree gives another digest."""
        blob = json.dumps([[r.line, r.code, r.action, [[c.code, c.params] for c in r.changes]] for r in self.rows],
                          ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


class ImportRefused(AdminError):
    """The file has errors (or the tree changed since the preview): nothing was applied."""

    def __init__(self, plan: Plan, code: str = "import_has_errors"):
        self.plan = plan
        super().__init__({"": [Problem(code, plan.counts)]})


# ---------------------------------------------------------------------------- reading the file


def read_rows(raw: bytes, plan: Plan) -> list[Row]:
    if len(raw) > MAX_BYTES:
        plan.file_errors.append(Problem("file_too_large", {"mb": MAX_BYTES // (1024 * 1024)}))
        return []
    try:
        plan.encoding, cells = csv_cells(raw)
        found = records(cells, HEADER_ALIASES, REQUIRED, MAX_ROWS)
    except TableRefused as refused:
        plan.file_errors.append(Problem(refused.code, refused.params))
        return []
    rows: list[Row] = []
    for start, value in found:
        level_word = value["level"]
        officers = [u for u in OFFICER_SPLIT.split(value.get("officers", "")) if u]
        row = Row(start, value["code"], value["name"], LEVEL_WORDS.get(level_word.lower(), LEVEL_WORDS.get(level_word)),
                  value["parent"] or None, officers)
        if row.level is None:
            row.errors.append(Problem("level_unknown", {"value": level_word}))
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- the dry run


def preview(session: Session, raw: bytes) -> Plan:
    """What importing ``raw`` would do to the tree as it is now; changes nothing."""
    plan = Plan()
    plan.rows = read_rows(raw, plan)
    if plan.file_errors:
        return plan
    # Plain rows, not ORM objects: a large county has tens of thousands of nodes.
    existing = {g.code: g for g in session.execute(select(Grid.id, Grid.code, Grid.name, Grid.level, Grid.parent_id))}
    parents = {g.id: g.code for g in existing.values()}
    root = next((g for g in existing.values() if g.parent_id is None), None)

    in_file: dict[str, Row] = {}
    for row in plan.rows:
        for column, problem in (("code", code_problem(row.code)), ("name", name_problem(row.name))):
            if problem:
                row.errors.append(Problem(problem.code, {**problem.params, "column": column}))
        if row.code in in_file:
            row.errors.append(Problem("duplicate_code", {"code": row.code, "first_line": in_file[row.code].line}))
        elif row.code:
            in_file[row.code] = row

    def level_of(code: str) -> str | None:
        # An existing node keeps its level (a row saying otherwise is an error of its own).
        if code in existing:
            return existing[code].level
        return in_file[code].level if code in in_file else None

    officers = _officers(session, plan.rows)
    listed: dict[str, int] = {}
    for row in plan.rows:
        if row.errors:
            continue
        node = existing.get(row.code)
        if node is not None and node.level != row.level:
            row.errors.append(Problem("level_change", {"old": node.level, "new": row.level}))
        if row.level == "county":
            if row.parent:
                row.errors.append(Problem("county_has_parent"))
            first = root.code if root is not None else \
                next(r.code for r in plan.rows if r.level == "county" and not r.errors)
            if row.code != first:
                row.errors.append(Problem("grid_second_root", {"code": first}))
        elif not row.parent:
            row.errors.append(Problem("parent_required"))
        elif row.parent == row.code:
            row.errors.append(Problem("grid_parent_self"))
        elif level_of(row.parent) is None:
            row.errors.append(Problem("unknown_parent", {"code": row.parent}))
        elif child_level(level_of(row.parent)) != row.level:
            row.errors.append(Problem("grid_parent_level", {"level": row.level, "parent_level": level_of(row.parent),
                                                            "code": row.parent}))
        if row.officers and row.level not in LOCAL_GRID_LEVELS:
            row.errors.append(Problem("officer_level", {"level": row.level}))
        for username in row.officers:
            user = officers.get(username)
            if username in listed:
                row.errors.append(Problem("officer_twice", {"username": username, "first_line": listed[username]}))
                continue
            listed[username] = row.line
            if user is None:
                row.errors.append(Problem("officer_unknown", {"username": username}))
            elif not user.active:
                row.errors.append(Problem("officer_inactive", {"username": username}))
            elif "handler" not in user.roles or "supervisor" in user.roles:
                row.errors.append(Problem("officer_role", {"username": username, "name": user.display_name}))
        if row.errors:
            continue
        if node is None:
            row.action = "create"
            row.changes = _postings(row, None, officers, parents)
            continue
        if node.name != row.name:
            row.changes.append(Problem("change_name", {"old": node.name, "new": row.name}))
        old_parent = parents.get(node.parent_id)
        if row.level != "county" and old_parent != row.parent:
            row.changes.append(Problem("change_parent", {"old": old_parent, "new": row.parent}))
        row.changes += _postings(row, node, officers, parents)
        if row.officers:
            for user in session.scalars(select(User).where(*grid_tree.officer_filter(), User.grid_id == node.id)):
                if user.username not in row.officers:
                    row.warnings.append(Problem("officer_not_listed", {"username": user.username,
                                                                       "name": user.display_name}))
        row.action = "update" if row.changes else "unchanged"
    for row in plan.rows:
        if row.errors:
            row.action = "error"
    return plan


def _postings(row: Row, node, officers: dict[str, User], codes: dict[int, str]) -> list[Problem]:
    """The officers this row posts to its node who are not its grid officers yet."""
    return [Problem("change_officer", {"username": u.username, "name": u.display_name, "old": codes.get(u.grid_id)})
            for u in (officers[name] for name in row.officers)
            if node is None or u.grid_id != node.id or u.tier != grid_tree.GRID_OFFICER_TIER]


def _officers(session: Session, rows: list[Row]) -> dict[str, User]:
    names = {u for r in rows for u in r.officers}
    if not names:
        return {}
    return {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}


# ---------------------------------------------------------------------------- applying


@dataclass(frozen=True)
class Applied:
    plan: Plan
    created: int
    updated: int
    moved_cases: int
    moved_tasks: int


def apply(session: Session, raw: bytes, actor: str, now: datetime, expected_digest: str | None = None) -> Applied:
    """Import ``raw`` in the caller's transaction; ImportRefused (nothing changed) when the file
    has errors or, given the previewed ``expected_digest``, the tree changed since the preview."""
    plan = preview(session, raw)
    if not plan.ok:
        raise ImportRefused(plan)
    if expected_digest and plan.digest != expected_digest:
        raise ImportRefused(plan, "import_stale")
    rank = {level: i for i, level in enumerate(GRID_LEVELS)}
    creates = sorted((r for r in plan.rows if r.action == "create"), key=lambda r: rank[r.level])
    _insert(session, creates)
    moved_cases = moved_tasks = 0
    moves = []
    updates = sorted((r for r in plan.rows if r.action == "update"), key=lambda r: rank[r.level])
    for row in updates:
        for change in row.changes:
            node = grid_tree.get_node(session, row.code)
            if change.code == "change_name":
                node.name = row.name
            elif change.code == "change_parent":
                moved = grid_tree.reparent(session, node, grid_tree.get_node(session, row.parent))
                moved_cases, moved_tasks = moved_cases + moved.cases, moved_tasks + moved.tasks
                moves.append({"code": row.code, "from": change.params["old"], "to": row.parent,
                              "cases": moved.cases, "tasks": moved.tasks})
    posted = []
    for row in plan.rows:
        if not row.officers or row.action not in ("create", "update"):
            continue
        node = grid_tree.get_node(session, row.code)
        for user in session.scalars(select(User).where(User.username.in_(row.officers))):
            change = grid_tree.post_officer(user, node)
            if change:
                posted.append(user.username)
                audit(session, actor, "user_changed", now, username=user.username, via="grid_import", **change)
    session.flush()
    audit(session, actor, "grid_imported", now, encoding=plan.encoding, **plan.counts,
          created=[r.code for r in creates][:200], renamed=[r.code for r in updates if any(
              c.code == "change_name" for c in r.changes)][:200], moved=moves[:200], officers=posted[:200])
    return Applied(plan, len(creates), len(updates), moved_cases, moved_tasks)


def _insert(session: Session, creates: list[Row]) -> None:
    """New nodes, a level at a time in batches (a county's villages number in the thousands):
    each level needs the ids and paths of the one above."""
    known = {code: (id_, path) for code, id_, path in session.execute(select(Grid.code, Grid.id, Grid.path))}
    for level in GRID_LEVELS:
        batch = [r for r in creates if r.level == level]
        if not batch:
            continue
        values = []
        for row in batch:
            parent_id, parent_path = known[row.parent] if row.parent else (None, None)
            values.append({"code": row.code, "name": row.name, "level": level, "parent_id": parent_id,
                           "path": grid_tree.child_path(parent_path, row.code)})
        session.execute(insert(Grid), values)
        for start in range(0, len(batch), 500):
            codes = [r.code for r in batch[start:start + 500]]
            known.update({code: (id_, path) for code, id_, path in
                          session.execute(select(Grid.code, Grid.id, Grid.path).where(Grid.code.in_(codes)))})


# ---------------------------------------------------------------------------- uploads between preview and apply

KEEP_PREVIEWS = timedelta(days=7)


def store_upload(session: Session, filename: str, raw: bytes, actor: str, now: datetime) -> GridImport:
    """Keep an uploaded file for its preview and application; previews never applied are
    dropped after a week (applied ones stay as the record of what was imported)."""
    session.execute(delete(GridImport).where(GridImport.status == "previewed",
                                             GridImport.uploaded_at < now - KEEP_PREVIEWS))
    row = GridImport(filename=(filename or "grid.csv")[:255], content=raw, size=len(raw),
                     sha256=hashlib.sha256(raw).hexdigest(), uploaded_by=actor, uploaded_at=now,
                     status="previewed", summary={})
    session.add(row)
    session.flush()
    return row


def apply_upload(session: Session, upload: GridImport, actor: str, now: datetime,
                 expected_digest: str | None) -> Applied:
    applied = apply(session, upload.content, actor, now, expected_digest)
    upload.status, upload.applied_by, upload.applied_at = "applied", actor, now
    upload.plan_digest = applied.plan.digest
    upload.summary = {**applied.plan.counts, "moved_cases": applied.moved_cases, "moved_tasks": applied.moved_tasks}
    return applied


# ---------------------------------------------------------------------------- the sample file


def export_csv(session: Session) -> bytes:
    """The current tree as an import file (UTF-8 with BOM, which Excel opens correctly):
    importing it back changes nothing. Cells a spreadsheet would run as formulas are guarded
    with a leading quote (engine/core/spreadsheet.py); read_rows takes it off again."""
    officers = grid_tree.officers_by_grid(session)
    out = io.StringIO(newline="")
    writer = spreadsheet.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    codes = {g.id: g.code for g in session.scalars(select(Grid))}
    for node in grid_tree.ordered_nodes(session):
        writer.writerow([EXPORT_LEVELS[node.level], node.code, node.name, codes.get(node.parent_id, ""),
                         "、".join(u.username for u in officers.get(node.id, []) if node.level in LOCAL_GRID_LEVELS)])
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")
