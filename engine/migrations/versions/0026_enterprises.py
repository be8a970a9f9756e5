"""The pollution-source register (污染源台账): enterprises, monitoring points, register imports,
positive-list periods (正面清单); cases and patrol points link to an enterprise

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=500), nullable=True),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("grid_path", sa.String(length=500), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("supervision_class", sa.String(length=16), nullable=False),
        sa.Column("permit_number", sa.String(length=64), nullable=True),
        sa.Column("permit_expires", sa.Date(), nullable=True),
        sa.Column("contacts", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grid.id"], name=op.f("fk_enterprise_grid_id_grid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_enterprise_credit_code")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_grid_path"), ["grid_path"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_name"), ["name"], unique=False)
    op.create_table(
        "monitoring_point",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"],
                                name=op.f("fk_monitoring_point_enterprise_id_enterprise"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_point")),
        sa.UniqueConstraint("station_code", name=op.f("uq_monitoring_point_station_code")),
    )
    with op.batch_alter_table("monitoring_point", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_monitoring_point_enterprise_id"), ["enterprise_id"], unique=False)
    op.create_table(
        "enterprise_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("applied_by", sa.String(length=64), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_import")),
    )
    op.create_table(
        "positive_listing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("proposed_by", sa.String(length=100), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"],
                                name=op.f("fk_positive_listing_enterprise_id_enterprise"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_positive_listing_instance_id_process_instance"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_positive_listing")),
    )
    with op.batch_alter_table("positive_listing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_positive_listing_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_positive_listing_status"), ["status"], unique=False)
    # Not in batch mode: on SQLite that copies the table, and case and patrol_point are referred to
    # by other tables, so the copy fails on a database with rows (as in 0023). SQLite adds a
    # nullable column with its reference in place.
    for table in ("case", "patrol_point"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f'ALTER TABLE "{table}" ADD COLUMN enterprise_id INTEGER '
                       f'CONSTRAINT fk_{table}_enterprise_id_enterprise REFERENCES enterprise (id)')
        else:
            op.add_column(table, sa.Column("enterprise_id", sa.Integer(), nullable=True))
            op.create_foreign_key(op.f(f"fk_{table}_enterprise_id_enterprise"), table, "enterprise",
                                  ["enterprise_id"], ["id"])
        op.create_index(op.f(f"ix_{table}_enterprise_id"), table, ["enterprise_id"], unique=False)


def downgrade() -> None:
    for table in ("patrol_point", "case"):
        op.drop_index(op.f(f"ix_{table}_enterprise_id"), table_name=table)
        if op.get_bind().dialect.name == "sqlite":
            # SQLite drops a column with a reference only by copying the table (batch mode).
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_column("enterprise_id")
        else:
            op.drop_constraint(op.f(f"fk_{table}_enterprise_id_enterprise"), table, type_="foreignkey")
            op.drop_column(table, "enterprise_id")
    op.drop_table("positive_listing")
    op.drop_table("enterprise_import")
    op.drop_table("monitoring_point")
    op.drop_table("enterprise")
