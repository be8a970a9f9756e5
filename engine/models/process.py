"""Deployed definitions, running instances and the task projection."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.models.base import Base


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (UniqueConstraint("process_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column()
    # {"complaint.bpmn": "<xml…>", …} and the DMN files, exactly as deployed.
    # Deferred: every engine step loads its instance's definition, but only needs the id and
    # checksum to find the cached parsed spec; the files are read on a cache miss.
    bpmn_files: Mapped[dict] = mapped_column(JSON, deferred=True)
    dmn_files: Mapped[dict] = mapped_column(JSON, deferred=True)
    checksum: Mapped[str] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    deployed_at: Mapped[datetime] = mapped_column()


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    state: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | completed | error
    error: Mapped[str | None] = mapped_column(Text)
    next_timer_due: Mapped[datetime | None] = mapped_column()
    row_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()
    definition: Mapped[ProcessDefinition] = relationship()


# The worker's claim query: running instances whose next timer is due, oldest first.
Index("ix_process_instance_due", ProcessInstance.status, ProcessInstance.next_timer_due)


class Task(Base):
    """One user task as people see it; rebuilt from the workflow after every step.

    Completed and cancelled rows stay so that a late second completion can be told who won.
    """

    __tablename__ = "task"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the SpiffWorkflow task id
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    spec: Mapped[str] = mapped_column(String(100))  # BPMN element id
    name: Mapped[str] = mapped_column(String(200))
    form: Mapped[str | None] = mapped_column(String(100))
    stage: Mapped[str | None] = mapped_column(String(32))
    candidate_group: Mapped[str] = mapped_column(String(64))  # the BPMN lane
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    grid_path: Mapped[str | None] = mapped_column(String(500))
    # Copied from the case so that inbox filters and counts need no join.
    category: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[int | None] = mapped_column()
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # A task the diagram reserved for one person (a leader's own reminder, task data
    # "reserved_for"): nobody else in its group sees or works it (engine/org/scopes.task_scope).
    reserved_for_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    state: Mapped[str] = mapped_column(String(16), default="ready")  # ready | completed | cancelled
    due_at: Mapped[datetime | None] = mapped_column()
    warn_at: Mapped[datetime | None] = mapped_column()
    colour: Mapped[str] = mapped_column(String(8), default="blue")
    created_at: Mapped[datetime] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by: Mapped[str | None] = mapped_column(String(100))


Index("ix_task_inbox", Task.state, Task.candidate_group, Task.department_id, Task.due_at)
# Partial indexes over the (few) ready rows among the (many) finished ones: an inbox page walks
# one of them in due order and stops after a page; the grid one serves subtree prefixes. On
# PostgreSQL the first two carry every column a task scope, an inbox filter and the page's order
# read, so the counts and the choice of a page's rows never visit the table (engine/work/inbox.py).
_READY = Task.state == "ready"
_GROUP_COVERED = ["tier", "department_id", "assignee_id", "reserved_for_id", "colour", "category", "channel",
                  "stage", "grid_path", "created_at", "id"]
_DEPARTMENT_COVERED = ["candidate_group", "tier", "assignee_id", "reserved_for_id", "colour", "category", "channel",
                       "stage", "created_at", "id"]
Index("ix_task_ready_group_due", Task.candidate_group, Task.due_at, postgresql_where=_READY, sqlite_where=_READY,
      postgresql_include=_GROUP_COVERED)
Index("ix_task_ready_department_due", Task.department_id, Task.due_at, postgresql_where=_READY,
      sqlite_where=_READY, postgresql_include=_DEPARTMENT_COVERED)
Index("ix_task_ready_grid", Task.grid_path, postgresql_where=_READY, sqlite_where=_READY,
      postgresql_ops={"grid_path": "text_pattern_ops"})
Index("ix_task_assignee", Task.assignee_id, Task.state)
