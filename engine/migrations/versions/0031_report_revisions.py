"""report revisions: a report re-issued by hand is a new revision with the same number (issue 12)

Revision ID: 0031
Revises: 0030
"""
import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nothing references ``report``, so SQLite's batch copy keeps its rows.
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch_op.drop_constraint("uq_report_kind", type_="unique")
        batch_op.drop_constraint("uq_report_number", type_="unique")
        batch_op.create_unique_constraint("uq_report_kind", ["kind", "period_start", "revision"])
        batch_op.create_unique_constraint("uq_report_number", ["number", "revision"])


def downgrade() -> None:
    op.execute("DELETE FROM report WHERE revision > 1")
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_constraint("uq_report_number", type_="unique")
        batch_op.drop_constraint("uq_report_kind", type_="unique")
        batch_op.create_unique_constraint("uq_report_number", ["number"])
        batch_op.create_unique_constraint("uq_report_kind", ["kind", "period_start"])
        batch_op.drop_column("revision")
