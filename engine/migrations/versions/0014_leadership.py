"""a leader's own cases: progress checks, meetings and visits; case flags; tasks reserved for one person

Revision ID: 0014
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("leader_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("next_check", sa.Date(), nullable=True),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_leader_record_case_id_case")),
        sa.ForeignKeyConstraint(["leader_id"], ["user.id"], name=op.f("fk_leader_record_leader_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leader_record")),
    )
    with op.batch_alter_table("leader_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leader_record_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leader_record_leader_id"), ["leader_id"], unique=False)
        batch_op.create_index("ix_leader_record_case_kind", ["case_id", "kind", "held_on"], unique=False)
    op.create_table(
        "case_flag",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("flag", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(length=64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_case_flag_case_id_case"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("case_id", "flag", name=op.f("pk_case_flag")),
    )
    with op.batch_alter_table("case_flag", schema=None) as batch_op:
        batch_op.create_index("ix_case_flag_flag", ["flag"], unique=False)
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reserved_for_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_task_reserved_for_id_user"), "user", ["reserved_for_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_task_reserved_for_id_user"), type_="foreignkey")
        batch_op.drop_column("reserved_for_id")
    with op.batch_alter_table("case_flag", schema=None) as batch_op:
        batch_op.drop_index("ix_case_flag_flag")
    op.drop_table("case_flag")
    with op.batch_alter_table("leader_record", schema=None) as batch_op:
        batch_op.drop_index("ix_leader_record_case_kind")
        batch_op.drop_index(batch_op.f("ix_leader_record_leader_id"))
        batch_op.drop_index(batch_op.f("ix_leader_record_case_id"))
    op.drop_table("leader_record")
