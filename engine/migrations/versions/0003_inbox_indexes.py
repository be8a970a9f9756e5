"""Inbox speed: category/channel copied onto tasks, partial covering indexes over ready tasks,
trigram indexes for text search on PostgreSQL.

Revision ID: 0003
Revises: 0002
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")
READY = sa.text("state = 'ready'")


COVERED = ["tier", "department_id", "assignee_id", "colour", "category", "channel", "stage"]


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("category", sa.String(32), nullable=True))
        batch.add_column(sa.Column("channel", sa.String(32), nullable=True))
    op.execute('UPDATE task SET category = (SELECT category FROM "case" WHERE "case".id = task.case_id), '
               'channel = (SELECT channel FROM "case" WHERE "case".id = task.case_id)')
    op.create_index("ix_task_ready_group_due", "task", ["candidate_group", "due_at"],
                    postgresql_where=READY, sqlite_where=READY, postgresql_include=COVERED)
    op.create_index("ix_task_ready_department_due", "task", ["department_id", "due_at"],
                    postgresql_where=READY, sqlite_where=READY)
    op.create_index("ix_task_ready_grid", "task", ["grid_path"], postgresql_where=READY, sqlite_where=READY,
                    postgresql_ops={"grid_path": "text_pattern_ops"})
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # pg_trgm lets LIKE '%…%' searches of titles and descriptions use an index. Creating the
    # extension needs a privileged role; without it search still works, by scanning.
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        log.warning("pg_trgm is not available: case text search will scan the table")
        return
    op.execute('CREATE INDEX ix_case_title_trgm ON "case" USING gin (lower(title) gin_trgm_ops)')
    op.execute('CREATE INDEX ix_case_description_trgm ON "case" USING gin (lower(description) gin_trgm_ops)')


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_case_description_trgm")
        op.execute("DROP INDEX IF EXISTS ix_case_title_trgm")
    op.drop_index("ix_task_ready_grid", table_name="task")
    op.drop_index("ix_task_ready_department_due", table_name="task")
    op.drop_index("ix_task_ready_group_due", table_name="task")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("channel")
        batch.drop_column("category")
