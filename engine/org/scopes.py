"""Who may see which case, work which task and hear which group's news: the scope rules, once.

Each rule is data, a small tree of conditions on the staff member and a row, written once per
role (cases) or candidate group (tasks). The same tree compiles to a SQL WHERE clause, for the
queries of the inbox, the task page, the case pages, the board and the API, and is evaluated in
Python against a task, a case or a notification's audience, for the fan-out of notifications and
the choices when a task is reassigned. Nothing keeps two versions in step because there is one.

The rules:
- administrator: every case and every task;
- intake staff and supervisors: cases in their grid subtree (at the county, also cases
  registered without a place);
- department lead: their department's cases;
- handler / grid officer: their department's cases, plus, when posted to a town, work area or
  village, the cases in that subtree;
- removing a wrongly attached file from a case: intake staff and supervisors, each within their
  case rule (so not a handler or lead, and not another town's supervisor); administrators;
- a task is for one candidate group and is worked only by that group's members, within that
  group's rule: intake as their cases; handlers as their cases; leads their department's;
  supervisors those of exactly their tier, in their subtree or without a place. A task the
  diagram reserved for one person (a leader's reminder) is theirs alone;
- a leader's own case (领导包案): its progress checks, meetings and visits are read and recorded by
  the owning leader and administrators only (another leader's case answers 404);
- patrols (网格巡查): a grid officer reads their own patrols; supervisors those in their grid
  subtree (the ledger); administrators all; points are managed by administrators;
- the pollution-source register (engine/enterprises): administrators edit and import it; supervisors
  read the enterprises in their grid subtree; the supervision section (see below) proposes for the
  positive list; intake staff and supervisors see suggestions (name, code, address) at intake;
- case flags (重点/疑难/积案) are set and listed by the supervision section: supervisors from the
  county tier up (督查科 and the bureau's leaders), within their case rule, and administrators;
- an outside agency's people (a department of kind "external": 公安, 市场监管, 住建 …, working in
  greenloop) see and work only what was sent to their agency: the tasks for their department (a
  transfer's result, a joint handling, a police decision on a case handed over) and the cases those
  tasks belong to — never by place, and never as intake or supervisors;
- enforcement cases (engine/enforcement): as the complaint case they belong to;
- the periodic reports (日报/周报/月报, engine/reports): the bureau's leaders and its supervision
  section — supervisors of tier 3 and 4 — and administrators. A report is county-wide (every
  town, every department's red cases), so a town's supervisor or a department lead, who see only
  part of the county, do not read it; a lead finds their department's figures on the statistics
  pages.
A person posted at the root of the grid (the county) has every place in their subtree, and the
cases and tasks without one.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, or_, select, true

from engine.models import Case, Department, Grid, Notification, Task, User

# Roles that are also candidate groups of tasks (and audiences of notifications).
GROUPS = ("intake", "handler", "lead", "supervisor")
LOCAL_GRID_LEVELS = ("town", "area", "village")


@dataclass(frozen=True)
class StaffMember:
    """One staff member as the scope rules see them (webapp/access.Staff adds the sign-in)."""

    id: int
    roles: frozenset[str]
    department_id: int | None
    grid_path: str | None
    grid_level: str | None
    tier: int | None
    # Works for an outside agency (a department of kind "external": 公安, 市场监管 …): sees only
    # what is sent to their agency (see the module doc).
    outside_agency: bool = field(default=False, kw_only=True)

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or bool(self.roles.intersection(roles))

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def sees_identity(self) -> bool:
        """Complainant name and phone are shown only to intake staff and supervisors."""
        return self.has("intake", "supervisor")

    @property
    def local_grid(self) -> bool:
        return self.grid_level in LOCAL_GRID_LEVELS

    @property
    def grid_officer(self) -> bool:
        """A handler posted to a town, work area or village (网格员): reports from patrol
        (webapp/field/grid_report.py). Administrators are not, whatever their roles."""
        return "handler" in self.roles and self.local_grid

    @property
    def at_grid_root(self) -> bool:
        return bool(self.grid_path) and self.grid_path.count("/") == 2

    @property
    def groups(self) -> list[str]:
        return sorted(r for r in self.roles if r in GROUPS)


def member_of(session: Any, user_id: int) -> StaffMember | None:
    """The scope rules' view of an active account, for work done on someone's behalf outside a
    request (a ledger export running in the background); None when the account is gone or off."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    grid = session.get(Grid, user.grid_id) if user.grid_id else None
    return StaffMember(id=user.id, roles=frozenset(user.roles), department_id=user.department_id,
                       grid_path=grid.path if grid else None, grid_level=grid.level if grid else None,
                       tier=user.tier, outside_agency=is_outside_agency(session, user.department_id))


def is_outside_agency(session: Any, department_id: int | None) -> bool:
    """Whether the department is an outside agency (kind "external")."""
    department = session.get(Department, department_id) if department_id else None
    return department is not None and department.kind == "external"


# ---------------------------------------------------------------------------- conditions
# ``clause(staff, table)`` is the SQL form on a table with department_id / grid_path / tier
# columns; ``holds(staff, row)`` the Python form on anything with those attributes.


class Condition(ABC):
    @abstractmethod
    def clause(self, staff: StaffMember, table: Any): ...

    @abstractmethod
    def holds(self, staff: StaffMember, row: Any) -> bool: ...


@dataclass(frozen=True)
class AnyOf(Condition):
    parts: tuple[Condition, ...]

    def clause(self, staff, table):
        return or_(false(), *(p.clause(staff, table) for p in self.parts))

    def holds(self, staff, row):
        return any(p.holds(staff, row) for p in self.parts)


@dataclass(frozen=True)
class AllOf(Condition):
    parts: tuple[Condition, ...]

    def clause(self, staff, table):
        return and_(true(), *(p.clause(staff, table) for p in self.parts))

    def holds(self, staff, row):
        return all(p.holds(staff, row) for p in self.parts)


class SameDepartment(Condition):
    def clause(self, staff, table):
        return table.department_id == staff.department_id if staff.department_id else false()

    def holds(self, staff, row):
        return bool(staff.department_id) and row.department_id == staff.department_id


class SameTier(Condition):
    def clause(self, staff, table):
        return table.tier == staff.tier if staff.tier else false()

    def holds(self, staff, row):
        return bool(staff.tier) and row.tier == staff.tier


class InSubtree(Condition):
    """The row's place is in the staff member's grid subtree."""

    def clause(self, staff, table):
        if not staff.grid_path:
            return false()
        if staff.at_grid_root:
            # Every place is inside, as are rows without one; a LIKE here would only stop the
            # database using its indexes.
            return true()
        return table.grid_path.startswith(staff.grid_path, autoescape=True)

    def holds(self, staff, row):
        if not staff.grid_path:
            return False
        if staff.at_grid_root:
            return True
        return bool(row.grid_path) and row.grid_path.startswith(staff.grid_path)


class Never(Condition):
    def clause(self, staff, table):
        return false()

    def holds(self, staff, row):
        return False


class SentToDepartment(Condition):
    """On Case: a task of the case is (or was) for the staff member's department. In Python, where
    the tasks are not at hand, only the case's own department counts (the narrower answer)."""

    def clause(self, staff, table):
        if not staff.department_id:
            return false()
        return or_(table.department_id == staff.department_id,
                   table.id.in_(select(Task.case_id).where(Task.department_id == staff.department_id)))

    def holds(self, staff, row):
        return bool(staff.department_id) and row.department_id == staff.department_id


class Unplaced(Condition):
    """The row has no place (registered without one)."""

    def clause(self, staff, table):
        return table.grid_path.is_(None)

    def holds(self, staff, row):
        return row.grid_path is None


@dataclass(frozen=True)
class PostedAt(Condition):
    """A fact about the staff member alone: their posting is at one of these grid levels."""

    levels: tuple[str, ...]

    def clause(self, staff, table):
        return true() if self.holds(staff, None) else false()

    def holds(self, staff, row):
        return staff.grid_level in self.levels


# ---------------------------------------------------------------------------- the rules

# Intake desks and supervisors: their subtree, and at the county also what has no place.
_DESK = AnyOf((InSubtree(), AllOf((PostedAt(("county",)), Unplaced()))))
_DEPARTMENT_OR_LOCAL_GRID = AnyOf((SameDepartment(), AllOf((PostedAt(LOCAL_GRID_LEVELS), InSubtree()))))

CASE_RULES: Mapping[str, Condition] = {
    "intake": _DESK,
    "supervisor": _DESK,
    "lead": SameDepartment(),
    "handler": _DEPARTMENT_OR_LOCAL_GRID,
}
TASK_RULES: Mapping[str, Condition] = {
    "intake": _DESK,
    "handler": _DEPARTMENT_OR_LOCAL_GRID,
    "lead": SameDepartment(),
    "supervisor": AllOf((SameTier(), AnyOf((InSubtree(), Unplaced())))),
}


# An outside agency's people: their department's tasks and the cases those are of, nothing else.
_AGENCY_GROUPS = ("handler", "lead")
OUTSIDE_AGENCY_CASE_RULE = SentToDepartment()
OUTSIDE_AGENCY_TASK_RULE = SameDepartment()


def _rules_for(staff: StaffMember, rules: Mapping[str, Condition]) -> Mapping[str, Condition]:
    if not staff.outside_agency:
        return rules
    rule = OUTSIDE_AGENCY_CASE_RULE if rules is CASE_RULES else OUTSIDE_AGENCY_TASK_RULE
    return {group: rule if group in _AGENCY_GROUPS else Never() for group in rules}


def _member_clause(staff: StaffMember, rules: Mapping[str, Condition], table: Any, group_column=None):
    """OR over the staff member's groups of that group's rule (and, when rows name the group
    they are for, of rows for that group). Administrators get no more than their roles give."""
    rules = _rules_for(staff, rules)
    parts = []
    for group in staff.groups:
        clause = rules[group].clause(staff, table)
        parts.append(clause if group_column is None else and_(group_column == group, clause))
    return or_(false(), *parts)


def case_scope(staff: StaffMember):
    """WHERE clause limiting Case rows to what this person may see."""
    return true() if staff.is_admin else _member_clause(staff, CASE_RULES, Case)


def sees_case(staff: StaffMember, case: Any) -> bool:
    """``case_scope`` in Python, for one case (anything with department_id and grid_path)."""
    return staff.is_admin or any(_rules_for(staff, CASE_RULES)[g].holds(staff, case) for g in staff.groups)


# Who may take a wrongly attached file off a case (engine/cases/attachments.remove_attachment).
ATTACHMENT_REMOVERS = ("intake", "supervisor")


def attachment_removal_scope(staff: StaffMember):
    """WHERE clause on Case: the cases on which this person may remove an attachment — the case
    rule of their intake / supervisor role only, not of any other role they also hold."""
    if staff.is_admin:
        return true()
    return or_(false(), *(CASE_RULES[g].clause(staff, Case) for g in staff.groups if g in ATTACHMENT_REMOVERS))


def may_remove_attachments(staff: StaffMember, case: Any) -> bool:
    """``attachment_removal_scope`` in Python, for one case."""
    return staff.is_admin or any(CASE_RULES[g].holds(staff, case) for g in staff.groups
                                 if g in ATTACHMENT_REMOVERS)


def _not_reserved_for_another(staff: StaffMember, table: Any = Task):
    return or_(table.reserved_for_id.is_(None), table.reserved_for_id == staff.id)


def task_scope(staff: StaffMember):
    """WHERE clause for the tasks this person may work: their groups, within their scope, less
    the tasks reserved for somebody else."""
    if staff.is_admin:
        return true()
    return and_(_member_clause(staff, TASK_RULES, Task, Task.candidate_group), _not_reserved_for_another(staff))


def works_in(staff: StaffMember, group: str | None, row: Any) -> bool:
    """Whether the person, as a member of ``group``, may work its tasks at ``row`` (a task, or a
    notification audience: department_id, grid_path, tier). No administrator's pass: this is who
    a group's news is for."""
    return group in staff.groups and _rules_for(staff, TASK_RULES)[group].holds(staff, row)


def may_work(staff: StaffMember, task: Task) -> bool:
    """``task_scope`` in Python, for one task."""
    return staff.is_admin or (works_in(staff, task.candidate_group, task)
                              and getattr(task, "reserved_for_id", None) in (None, staff.id))


# ---------------------------------------------------------------------------- patrols


def patrol_scope(staff: StaffMember, table: Any):
    """WHERE clause for the patrols (or points: any table with grid_path) this person may read;
    ``table`` with an officer_id column also gives a grid officer their own."""
    if staff.is_admin:
        return true()
    parts = []
    if staff.has("supervisor"):
        parts.append(InSubtree().clause(staff, table))
    if staff.has("handler") and hasattr(table, "officer_id"):
        parts.append(table.officer_id == staff.id)
    return or_(false(), *parts)


def may_read_patrols(staff: StaffMember) -> bool:
    """Whether the ledger is for this person at all (supervisors and administrators)."""
    return staff.has("supervisor")


# ---------------------------------------------------------------------------- the register


def enterprise_scope(staff: StaffMember, table: Any):
    """WHERE clause on the pollution-source register (engine/enterprises): administrators every
    enterprise, supervisors those in their grid subtree (督查科, at the county, all of them)."""
    if staff.is_admin:
        return true()
    if staff.has("supervisor"):
        return InSubtree().clause(staff, table)
    return false()


def reads_enterprises(staff: StaffMember) -> bool:
    return staff.has("supervisor")


def edits_enterprises(staff: StaffMember) -> bool:
    """Only administrators add, change and import the register."""
    return staff.is_admin


def selfcheck_scope(staff: StaffMember, table: Any):
    """WHERE clause on self-inspection tasks (engine/selfcheck): as the register (enterprise_scope
    on the task's grid path), and a grid officer the overdue tasks handed to them."""
    if staff.is_admin or staff.has("supervisor"):
        return enterprise_scope(staff, table)
    if staff.has("handler"):
        return table.officer_id == staff.id
    return false()


def reads_selfchecks(staff: StaffMember) -> bool:
    return staff.has("supervisor", "handler")


def issues_selfchecks(staff: StaffMember) -> bool:
    """Checklist templates and campaigns are the supervision section's (and administrators')."""
    return in_supervision_section(staff)


def suggests_enterprises(staff: StaffMember) -> bool:
    """Intake staff are shown the register's names, codes and addresses (never contacts) to link a case."""
    return staff.has("intake", "supervisor")


# ---------------------------------------------------------------------------- a leader's own cases

# The supervision section's lowest tier: the county's 督查科 (engine/models.TIERS); the bureau's
# leaders sit above it.
SUPERVISION_SECTION_TIER = 3


def leader_case_scope(staff: StaffMember):
    """WHERE clause on Case: the cases whose leader's records this person reads and writes — the
    cases they own; every owned case for an administrator."""
    if staff.is_admin:
        return Case.leader_owner_id.is_not(None)
    return Case.leader_owner_id == staff.id


def leads_case(staff: StaffMember, case: Any) -> bool:
    """``leader_case_scope`` in Python, for one case."""
    return case.leader_owner_id is not None and (staff.is_admin or case.leader_owner_id == staff.id)


def in_supervision_section(staff: StaffMember) -> bool:
    """督查科 and the leaders (supervisors of the county tier and above), and administrators."""
    return staff.is_admin or ("supervisor" in staff.roles and (staff.tier or 0) >= SUPERVISION_SECTION_TIER)


def manages_inspections(staff: StaffMember) -> bool:
    """The random-inspection plans and draws (engine/inspections): the supervision section and
    administrators make, draw and publish them."""
    return in_supervision_section(staff)


def reads_inspection(staff: StaffMember, inspector_ids: list[int]) -> bool:
    """An inspection (its notice) is read by those who manage the plans and by its own inspectors."""
    return manages_inspections(staff) or staff.id in (inspector_ids or [])


def flag_scope(staff: StaffMember):
    """WHERE clause on Case: the cases whose flags this person sets, clears and lists."""
    if not in_supervision_section(staff):
        return false()
    return true() if staff.is_admin else CASE_RULES["supervisor"].clause(staff, Case)


def notification_scope(staff: StaffMember):
    """Notifications addressed to the person, or to a group they work in where they would work
    its tasks (a group row lives only until the step fans it out; see engine/notify)."""
    return or_(Notification.user_id == staff.id,
               and_(Notification.user_id.is_(None),
                    _member_clause(staff, TASK_RULES, Notification, Notification.group)))



# Who may read the statistics (engine/measures) and over which cases: supervisors (bureau
# leaders are supervisors at the top tier) their subtree as on the board, department leads their
# department's cases, administrators all. Intake staff and handlers have no statistics.
STATISTICS_ROLES = ("supervisor", "lead")


def may_see_statistics(staff: StaffMember) -> bool:
    return staff.has(*STATISTICS_ROLES)


def statistics_scope(staff: StaffMember):
    """WHERE clause on Case: the cases this person's figures count — the case rule of their
    supervisor / lead roles only (a lead who is also a handler counts no more than their
    department); ``false()`` for someone without statistics (check ``may_see_statistics``)."""
    if staff.is_admin:
        return true()
    return or_(false(), *(CASE_RULES[g].clause(staff, Case) for g in staff.groups if g in STATISTICS_ROLES))


# Supervision tiers that read the county-wide periodic reports: the county bureau's supervision
# section (3) and the bureau's leaders (4).
REPORT_TIERS = (3, 4)


def reads_reports(staff: StaffMember) -> bool:
    """Whether the person may list and download the periodic reports (see the module doc)."""
    return staff.is_admin or ("supervisor" in staff.roles and (staff.tier or 0) in REPORT_TIERS)
