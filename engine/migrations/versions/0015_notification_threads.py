"""notifications grouped into threads (a group's queue digest, repeats about one case) and each
person's e-mail frequency (issue 12, notifications people can live with)

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thread", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("stage", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("last_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_notification_thread", ["user_id", "thread", "read_at"], unique=False)
    op.create_table(
        "notification_preference",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("email_frequency", sa.String(length=16), nullable=False),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_notification_preference_user_id_user"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preference")),
    )


def downgrade() -> None:
    op.drop_table("notification_preference")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_thread")
        batch_op.drop_column("last_at")
        batch_op.drop_column("count")
        batch_op.drop_column("stage")
        batch_op.drop_column("thread")
