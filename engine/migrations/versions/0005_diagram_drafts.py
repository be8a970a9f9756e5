"""diagram drafts and deploy history (issue 5)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "diagram_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.String(length=100), nullable=False),
        sa.Column("bpmn_files", sa.JSON(), nullable=False),
        sa.Column("dmn_files", sa.JSON(), nullable=False),
        sa.Column("base_definition_id", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["base_definition_id"], ["process_definition.id"],
                                name=op.f("fk_diagram_draft_base_definition_id_process_definition")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagram_draft")),
        sa.UniqueConstraint("process_id", name=op.f("uq_diagram_draft_process_id")),
    )


def downgrade() -> None:
    op.drop_table("diagram_draft")
