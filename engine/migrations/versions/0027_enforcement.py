"""enforcement cases (执法案件, 移交公安): enforcement_case

Revision ID: 0027
Revises: 0026

enterprise_id refers to the pollution-source register (0026).
"""
import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enforcement_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("patrol_id", sa.Integer(), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("grid_path", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("escalated_tier", sa.Integer(), nullable=True),
        sa.Column("party", sa.String(length=300), nullable=False),
        sa.Column("violation", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filed_by", sa.String(length=100), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("crime_suspected", sa.Boolean(), nullable=False),
        sa.Column("fine_yuan", sa.Numeric(14, 2), nullable=True),
        sa.Column("production_limit", sa.String(length=8), nullable=False),
        sa.Column("limit_start", sa.Date(), nullable=True),
        sa.Column("limit_end", sa.Date(), nullable=True),
        sa.Column("correction_order", sa.Text(), nullable=True),
        sa.Column("correction_days", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rectified", sa.Boolean(), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("police_department_id", sa.Integer(), nullable=True),
        sa.Column("police_receiver", sa.String(length=100), nullable=True),
        sa.Column("police_received_on", sa.Date(), nullable=True),
        sa.Column("police_decision", sa.String(length=16), nullable=True),
        sa.Column("police_decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("police_late", sa.Boolean(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_enforcement_case_case_id_case")),
        sa.ForeignKeyConstraint(["patrol_id"], ["patrol.id"], name=op.f("fk_enforcement_case_patrol_id_patrol")),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"],
                                name=op.f("fk_enforcement_case_enterprise_id_enterprise")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], ondelete="SET NULL",
                                name=op.f("fk_enforcement_case_instance_id_process_instance")),
        sa.ForeignKeyConstraint(["department_id"], ["department.id"],
                                name=op.f("fk_enforcement_case_department_id_department")),
        sa.ForeignKeyConstraint(["police_department_id"], ["department.id"],
                                name=op.f("fk_enforcement_case_police_department_id_department")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_case")),
        sa.UniqueConstraint("number", name=op.f("uq_enforcement_case_number")),
    )
    with op.batch_alter_table("enforcement_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enforcement_case_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enforcement_case_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enforcement_case_grid_path"), ["grid_path"], unique=False)
        batch_op.create_index("ix_enforcement_case_filed", ["filed_at"], unique=False)


def downgrade() -> None:
    op.drop_table("enforcement_case")
