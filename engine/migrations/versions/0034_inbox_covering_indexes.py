"""Inbox covering indexes: the two partial indexes over ready tasks also carry reserved_for_id (every
task scope tests it), grid_path (a town's subtree), created_at and id (the page's order), so that an
inbox count and the choice of a page's rows are answered from the index alone (issue 15)

Revision ID: 0034
Revises: 0033
"""
import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

READY = sa.text("state = 'ready'")
# As engine/models/process.py; SQLite has no INCLUDE, so there the indexes are built as before.
GROUP_COVERED = ["tier", "department_id", "assignee_id", "reserved_for_id", "colour", "category", "channel", "stage",
                 "grid_path", "created_at", "id"]
DEPARTMENT_COVERED = ["candidate_group", "tier", "assignee_id", "reserved_for_id", "colour", "category", "channel",
                      "stage", "created_at", "id"]
OLD_GROUP_COVERED = ["tier", "department_id", "assignee_id", "colour", "category", "channel", "stage"]


def _build(group_covered, department_covered) -> None:
    op.drop_index("ix_task_ready_group_due", table_name="task")
    op.drop_index("ix_task_ready_department_due", table_name="task")
    op.create_index("ix_task_ready_group_due", "task", ["candidate_group", "due_at"],
                    postgresql_where=READY, sqlite_where=READY, postgresql_include=group_covered)
    op.create_index("ix_task_ready_department_due", "task", ["department_id", "due_at"],
                    postgresql_where=READY, sqlite_where=READY, postgresql_include=department_covered)


def upgrade() -> None:
    _build(GROUP_COVERED, DEPARTMENT_COVERED)


def downgrade() -> None:
    _build(OLD_GROUP_COVERED, [])
