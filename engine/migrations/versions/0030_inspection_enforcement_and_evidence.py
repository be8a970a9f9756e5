"""A random inspection's violation opens an enforcement case that names it; an inspection's
evidence files are attachments without a case

Revision ID: 0030
Revises: 0029
"""
import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def _add_inspection_id(table: str) -> None:
    # In place on SQLite (as 0026 for case.enterprise_id): a nullable column with its reference
    # needs no copy of the table.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"ALTER TABLE {table} ADD COLUMN inspection_id INTEGER "
                   f"CONSTRAINT fk_{table}_inspection_id_inspection REFERENCES inspection (id)")
    else:
        op.add_column(table, sa.Column("inspection_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f(f"fk_{table}_inspection_id_inspection"), table, "inspection",
                              ["inspection_id"], ["id"])
    op.create_index(op.f(f"ix_{table}_inspection_id"), table, ["inspection_id"], unique=False)


def upgrade() -> None:
    _add_inspection_id("enforcement_case")
    _add_inspection_id("attachment")
    # attachment.case_id becomes optional. SQLite changes it only by copying the table (batch
    # mode), which holds here: no table refers to attachment.
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM attachment WHERE case_id IS NULL")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
    for table in ("attachment", "enforcement_case"):
        op.drop_index(op.f(f"ix_{table}_inspection_id"), table_name=table)
        if op.get_bind().dialect.name == "sqlite":
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_column("inspection_id")
        else:
            op.drop_constraint(op.f(f"fk_{table}_inspection_id_inspection"), table, type_="foreignkey")
            op.drop_column(table, "inspection_id")
