"""Self-inspection tasks (企业自查): checklist templates, campaigns, each enterprise's task and photos

Revision ID: 0029
Revises: 0028
"""
import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "selfcheck_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selfcheck_template")),
    )
    op.create_table(
        "selfcheck_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("workdays", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by", sa.String(length=100), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["template_id"], ["selfcheck_template.id"],
                                name=op.f("fk_selfcheck_campaign_template_id_selfcheck_template"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selfcheck_campaign")),
    )
    op.create_table(
        "selfcheck_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("grid_path", sa.String(length=500), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("token_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("colour", sa.String(length=8), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_time", sa.Boolean(), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("escalated_tier", sa.Integer(), nullable=True),
        sa.Column("contact_outcome", sa.Text(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=100), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["selfcheck_campaign.id"],
                                name=op.f("fk_selfcheck_task_campaign_id_selfcheck_campaign"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"],
                                name=op.f("fk_selfcheck_task_enterprise_id_enterprise"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_selfcheck_task_instance_id_process_instance"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["officer_id"], ["user.id"], name=op.f("fk_selfcheck_task_officer_id_user")),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_selfcheck_task_case_id_case"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selfcheck_task")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_selfcheck_task_token_hash")),
    )
    with op.batch_alter_table("selfcheck_task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_selfcheck_task_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_selfcheck_task_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_selfcheck_task_grid_path"), ["grid_path"], unique=False)
        batch_op.create_index(batch_op.f("ix_selfcheck_task_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_selfcheck_task_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_selfcheck_task_campaign_enterprise", ["campaign_id", "enterprise_id"], unique=True)
    op.create_table(
        "selfcheck_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_path", sa.String(length=300), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["selfcheck_task.id"],
                                name=op.f("fk_selfcheck_photo_task_id_selfcheck_task"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_selfcheck_photo")),
    )
    with op.batch_alter_table("selfcheck_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_selfcheck_photo_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_table("selfcheck_photo")
    op.drop_table("selfcheck_task")
    op.drop_table("selfcheck_campaign")
    op.drop_table("selfcheck_template")
