"""Random inspections (双随机、一公开): the annual plan with its recorded draw, one inspection per
drawn object

Revision ID: 0028
Revises: 0027
"""
import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=False),
        sa.Column("per_object", sa.Integer(), nullable=False),
        sa.Column("bureau_min", sa.Integer(), nullable=False),
        sa.Column("publish_days", sa.Integer(), nullable=False),
        sa.Column("inspect_days", sa.Integer(), nullable=False),
        sa.Column("joint", sa.Boolean(), nullable=False),
        sa.Column("inspector_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("public_value", sa.String(length=200), nullable=True),
        sa.Column("public_value_source", sa.String(length=300), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("seeded_by", sa.String(length=100), nullable=True),
        sa.Column("seeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("draw_document", sa.JSON(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("drawn_by", sa.String(length=100), nullable=True),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_plan")),
        sa.UniqueConstraint("year", "name", name=op.f("uq_inspection_plan_year")),
    )
    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("inspector_ids", sa.JSON(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("escalated_tier", sa.Integer(), nullable=True),
        sa.Column("notice_number", sa.String(length=64), nullable=True),
        sa.Column("notice", sa.JSON(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("violation", sa.Boolean(), nullable=False),
        sa.Column("enforcement_pending", sa.Boolean(), nullable=False),
        sa.Column("rectification", sa.Text(), nullable=True),
        sa.Column("rectify_due", sa.Date(), nullable=True),
        sa.Column("rectified", sa.Boolean(), nullable=True),
        sa.Column("result", sa.String(length=16), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("publish_by", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["inspection_plan.id"], name=op.f("fk_inspection_plan_id_inspection_plan"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], name=op.f("fk_inspection_enterprise_id_enterprise")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_inspection_instance_id_process_instance"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection")),
        sa.UniqueConstraint("plan_id", "enterprise_id", name=op.f("uq_inspection_plan_id")),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inspection_enterprise_id"), ["enterprise_id"], unique=False)


def downgrade() -> None:
    op.drop_table("inspection")
    op.drop_table("inspection_plan")
