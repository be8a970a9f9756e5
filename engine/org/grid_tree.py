"""The grid tree (county → town → work area → village): browsing, adding, renaming and moving nodes.

A node's ``path`` ("/C/T01/T01-A01/") is copied into the cases and tasks filed under it, so
that scoping is one prefix match. Moving a node therefore rewrites, in one transaction, the
paths of its subtree, of the cases still being worked there (their process instance is
running) and of their ready tasks: the work moves with the place, so the new town's
supervisor and grid officers see it at once. Finished cases and finished tasks keep the path
they were handled under — the record of who was responsible then, and stable statistics.
Codes never change: paths, routing rules (town codes) and imports refer to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from engine.core.errors import AdminError, NotFound, Problem, refuse
from engine.models import GRID_LEVELS, LOCAL_GRID_LEVELS, Case, Grid, ProcessInstance, Task, User, UserRole
from engine.org.changes import audit
from engine.org.people import GRID_OFFICER_TIER

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
NAME_MAX = 200


def child_level(level: str) -> str | None:
    index = GRID_LEVELS.index(level)
    return GRID_LEVELS[index + 1] if index + 1 < len(GRID_LEVELS) else None


def code_problem(code: str) -> Problem | None:
    if not code:
        return Problem("required")
    if not CODE_RE.match(code):
        return Problem("grid_code_format")
    return None


def name_problem(name: str) -> Problem | None:
    if not name:
        return Problem("required")
    if len(name) > NAME_MAX:
        return Problem("too_long", n=NAME_MAX)
    return None


def get_node(session: Session, code: str) -> Grid:
    node = session.scalars(select(Grid).where(Grid.code == code)).first()
    if node is None:
        raise NotFound(f"grid {code}")
    return node


# ---------------------------------------------------------------------------- reading


@dataclass
class TreeNode:
    grid: Grid
    officers: list[str] = field(default_factory=list)  # display names
    children: list[TreeNode] = field(default_factory=list)

    @property
    def size(self) -> int:
        return 1 + sum(child.size for child in self.children)


def officer_filter():
    """Grid officers: active handlers with tier 1 (posted to a town, work area or village)."""
    return (User.active.is_(True), User.tier == GRID_OFFICER_TIER,
            User.id.in_(select(UserRole.user_id).where(UserRole.role == "handler")))


def officers_by_grid(session: Session) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {}
    for user in session.scalars(select(User).where(*officer_filter(), User.grid_id.is_not(None))
                                .order_by(User.display_name, User.username)):
        found.setdefault(user.grid_id, []).append(user)
    return found


def load_tree(session: Session) -> list[TreeNode]:
    """Every node with its officers, children in code order; the roots (normally one county)."""
    officers = officers_by_grid(session)
    nodes = {g.id: TreeNode(g, [u.display_name for u in officers.get(g.id, [])])
             for g in session.scalars(select(Grid).order_by(Grid.code))}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.grid.parent_id)
        (parent.children if parent else roots).append(node)
    return roots


def tree_order(session: Session) -> list[Grid]:
    """Depth first (each node followed by its subtree): a subtree's paths share a prefix, so
    they sort together right after the node's own path."""
    # Sorted here: a database collation may ignore the punctuation that makes this work.
    return sorted(session.scalars(select(Grid)), key=lambda g: g.path)


def ordered_nodes(session: Session) -> list[Grid]:
    """Parents before children (the order a CSV of the tree must have to read naturally)."""
    rows = list(session.scalars(select(Grid)))
    return sorted(rows, key=lambda g: (g.path.count("/"), g.path))


# ---------------------------------------------------------------------------- changing


def _root(session: Session) -> Grid | None:
    return session.scalars(select(Grid).where(Grid.parent_id.is_(None))).first()


def validate_new_node(session: Session, code: str, name: str, parent: Grid | None) -> None:
    problems: dict[str, list[Problem]] = {}
    if problem := code_problem(code):
        problems["code"] = [problem]
    elif session.scalar(select(Grid.id).where(Grid.code == code)):
        problems["code"] = [Problem("grid_code_taken", {"code": code})]
    if problem := name_problem(name):
        problems["name"] = [problem]
    if parent is None and _root(session) is not None:
        problems["parent"] = [Problem("grid_second_root")]
    elif parent is not None and child_level(parent.level) is None:
        problems["parent"] = [Problem("grid_no_children", level=parent.level)]
    if problems:
        raise AdminError(problems)


def child_path(parent_path: str | None, code: str) -> str:
    return (parent_path or "/") + code + "/"


def new_node(code: str, name: str, parent: Grid | None) -> Grid:
    """An unsaved node one level below ``parent`` (a saved node; the county when there is none)."""
    return Grid(code=code, name=name, level=child_level(parent.level) if parent else "county",
                parent_id=parent.id if parent else None, path=child_path(parent.path if parent else None, code))


def add_node(session: Session, code: str, name: str, parent_code: str | None, actor: str, now: datetime) -> Grid:
    """A new node one level below its parent (or the county itself, when there is none yet)."""
    code, name = (code or "").strip(), (name or "").strip()
    parent = None
    if parent_code:
        parent = session.scalars(select(Grid).where(Grid.code == parent_code)).first()
        if parent is None:
            raise refuse("unknown_grid", "parent", code=parent_code)
    validate_new_node(session, code, name, parent)
    node = new_node(code, name, parent)
    session.add(node)
    session.flush()
    audit(session, actor, "grid_created", now, code=code, after={"name": name, "level": node.level,
                                                                 "parent": parent_code or None})
    return node


def rename_node(session: Session, code: str, name: str, actor: str, now: datetime) -> Grid:
    node = get_node(session, code)
    name = (name or "").strip()
    if problem := name_problem(name):
        raise AdminError({"name": [problem]})
    if name != node.name:
        audit(session, actor, "grid_changed", now, code=code, before={"name": node.name}, after={"name": name})
        node.name = name
    return node


@dataclass(frozen=True)
class Moved:
    nodes: int
    cases: int
    tasks: int


def move_problem(node: Grid, parent: Grid | None) -> Problem | None:
    """A node moves only under a node of the level above its own, so the tree keeps its four
    levels (and, levels strictly decreasing upwards, can never form a cycle)."""
    if parent is None:
        return Problem("unknown_grid")
    if parent.id == node.id:
        return Problem("grid_parent_self")
    if child_level(parent.level) != node.level:
        return Problem("grid_parent_level", level=node.level, parent_level=parent.level)
    return None


def move_node(session: Session, code: str, parent_code: str, actor: str, now: datetime) -> Moved:
    node = get_node(session, code)
    parent = session.scalars(select(Grid).where(Grid.code == (parent_code or "").strip())).first()
    if problem := move_problem(node, parent):
        raise AdminError({"parent": [Problem(problem.code, {"code": parent_code, **problem.params})]})
    if parent.id == node.parent_id:
        return Moved(0, 0, 0)
    before = {"parent": node.parent.code if node.parent else None, "path": node.path}
    moved = reparent(session, node, parent)
    audit(session, actor, "grid_moved", now, code=code, before=before,
          after={"parent": parent.code, "path": node.path}, nodes=moved.nodes, cases=moved.cases, tasks=moved.tasks)
    return moved


def reparent(session: Session, node: Grid, parent: Grid) -> Moved:
    old = node.path
    new = child_path(parent.path, node.code)
    node.parent_id = parent.id
    session.flush()
    return repath(session, old, new)


def _rewrite(column, old: str, new: str):
    # new + the rest after the old prefix; SQL substr counts from 1.
    return literal(new) + func.substr(column, len(old) + 1)


def repath(session: Session, old: str, new: str) -> Moved:
    """Rewrite the prefix ``old`` to ``new`` on grid nodes, open cases and their ready tasks."""
    running = select(ProcessInstance.case_id).where(ProcessInstance.status == "running",
                                                    ProcessInstance.case_id.is_not(None))
    open_cases = select(Case.id).where(Case.grid_path.startswith(old, autoescape=True), Case.id.in_(running))
    # An engine step locks its instance, then writes the case and its tasks: locking the same
    # instances first (in id order) makes a concurrent step finish before us or start after us,
    # so it neither deadlocks with this update nor writes the old path back.
    session.execute(select(ProcessInstance.id).where(ProcessInstance.case_id.in_(open_cases))
                    .order_by(ProcessInstance.id).with_for_update())
    nodes = session.execute(update(Grid).where(Grid.path.startswith(old, autoescape=True))
                            .values(path=_rewrite(Grid.path, old, new))
                            .execution_options(synchronize_session=False)).rowcount
    case_ids = list(session.scalars(open_cases))
    cases = tasks = 0
    for start in range(0, len(case_ids), 500):
        chunk = case_ids[start:start + 500]
        cases += session.execute(update(Case).where(Case.id.in_(chunk))
                                 .values(grid_path=_rewrite(Case.grid_path, old, new))
                                 .execution_options(synchronize_session=False)).rowcount
        tasks += session.execute(update(Task).where(Task.case_id.in_(chunk), Task.state == "ready",
                                                    Task.grid_path.startswith(old, autoescape=True))
                                 .values(grid_path=_rewrite(Task.grid_path, old, new))
                                 .execution_options(synchronize_session=False)).rowcount
    session.expire_all()
    return Moved(nodes, cases, tasks)


def post_officer(user: User, node: Grid) -> dict | None:
    """Post a handler to ``node`` as its grid officer; the change as (before, after) or None."""
    if node.level not in LOCAL_GRID_LEVELS:
        raise refuse("officer_level", "officers", level=node.level)
    before = {"grid": user.grid.code if user.grid else None, "tier": user.tier}
    user.grid, user.tier = node, GRID_OFFICER_TIER
    after = {"grid": node.code, "tier": GRID_OFFICER_TIER}
    return None if before == after else {"before": before, "after": after}
