"""Rectification items (逐项整改销号) the repeat-complaint link (重复投诉), re-inspection draws (后督察)

Revision ID: 0023
Revises: 0022
"""
import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rectification_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("evidence_required", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("evidence_attachment_ids", sa.String(length=200), nullable=True),
        sa.Column("evidence_note", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by", sa.String(length=64), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"], name=op.f("fk_rectification_item_case_id_case"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_item")),
        sa.UniqueConstraint("case_id", "seq", name="uq_rectification_item_case_seq"),
    )
    with op.batch_alter_table("rectification_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectification_item_case_id"), ["case_id"], unique=False)
    op.create_table(
        "reinspection_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drawn_by", sa.String(length=64), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("closed_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("flagged", sa.JSON(), nullable=False),
        sa.Column("sampled", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reinspection_draw")),
    )
    # Not in batch mode: on SQLite that copies the case table, which every other table refers to,
    # and fails on a database with cases. SQLite adds a nullable column with its reference in place.
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE "case" ADD COLUMN recurrence_of_id INTEGER '
                   'CONSTRAINT fk_case_recurrence_of_id_case REFERENCES "case" (id)')
    else:
        op.add_column("case", sa.Column("recurrence_of_id", sa.Integer(), nullable=True))
        op.create_foreign_key(op.f("fk_case_recurrence_of_id_case"), "case", "case", ["recurrence_of_id"], ["id"])
    op.create_index(op.f("ix_case_recurrence_of_id"), "case", ["recurrence_of_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_recurrence_of_id"), table_name="case")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column with a reference only by copying the table (batch mode).
        with op.batch_alter_table("case", schema=None) as batch_op:
            batch_op.drop_column("recurrence_of_id")
    else:
        op.drop_constraint(op.f("fk_case_recurrence_of_id_case"), "case", type_="foreignkey")
        op.drop_column("case", "recurrence_of_id")
    op.drop_table("reinspection_draw")
    with op.batch_alter_table("rectification_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_item_case_id"))
    op.drop_table("rectification_item")
