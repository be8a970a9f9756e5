"""patrols (网格巡查): patrol points, due patrols with their check-ins, check-in photos

Revision ID: 0022
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op


revision = "0022"
# Built on the leader branch (its 0014 adds task.reserved_for_id, which patrol tasks use); the
# lead renumbers the chain at merge.
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patrol_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("grid_path", sa.String(length=500), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("every_days", sa.Float(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("anchor", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_slot", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], name=op.f("fk_patrol_point_grid_id_grid")),
        sa.ForeignKeyConstraint(["officer_id"], ["user.id"], name=op.f("fk_patrol_point_officer_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_point")),
    )
    with op.batch_alter_table("patrol_point", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_point_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_point_grid_path"), ["grid_path"], unique=False)
    op.create_table(
        "patrol",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("grid_path", sa.String(length=500), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("escalated_tier", sa.Integer(), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("far", sa.Boolean(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_patrol_case_id_case")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"], name=op.f("fk_patrol_instance_id_process_instance")),
        sa.ForeignKeyConstraint(["officer_id"], ["user.id"], name=op.f("fk_patrol_officer_id_user")),
        sa.ForeignKeyConstraint(["point_id"], ["patrol_point.id"], name=op.f("fk_patrol_point_id_patrol_point")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol")),
        sa.UniqueConstraint("point_id", "slot", name="uq_patrol_point_slot"),
    )
    with op.batch_alter_table("patrol", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patrol_point_id"), ["point_id"], unique=False)
        batch_op.create_index("ix_patrol_status_due", ["status", "due_at"], unique=False)
    op.create_table(
        "patrol_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patrol_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["patrol_id"], ["patrol.id"], name=op.f("fk_patrol_photo_patrol_id_patrol")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patrol_photo")),
    )
    with op.batch_alter_table("patrol_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patrol_photo_patrol_id"), ["patrol_id"], unique=False)


def downgrade() -> None:
    op.drop_table("patrol_photo")
    op.drop_table("patrol")
    op.drop_table("patrol_point")
