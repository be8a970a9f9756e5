"""field-work facts the measures count, kept on the case row: how handling checked the problem
(check_method: the share of non-site enforcement) and relapses found by re-inspection after
closure (relapse_count); existing cases are filled in from the audit trail and the monthly
summary is counted again with the new facts. A document may belong to a patrol instead of a case
(a missed patrol's supervision notice, 督办单)

Revision ID: 0025
Revises: 0023
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None

_OLD = ["status", "colour", "accepted_at", "closed_on_time", "followed_up_at", "satisfaction",
        "escalation_count", "assigned_at", "return_count", "handling_workdays", "category", "channel", "tier"]
_NEW = [*_OLD, "check_method", "relapse_count", "recurrence_of_id"]


def upgrade() -> None:
    # Plain ADD COLUMN (no batch mode): SQLite would copy the case table, which other tables refer to.
    op.add_column("case", sa.Column("check_method", sa.String(length=32), nullable=True))
    op.add_column("case", sa.Column("relapse_count", sa.Integer(), nullable=False, server_default="0"))
    _backfill()
    _indexes(_NEW)
    _summary()
    # Nothing refers to the document table, so SQLite's batch copy of it is safe.
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("patrol_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_document_patrol_id_patrol"), "patrol", ["patrol_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_document_patrol_id"), ["patrol_id"], unique=False)


def _backfill() -> None:
    bind = op.get_bind()
    op.execute('UPDATE "case" SET relapse_count = (SELECT count(*) FROM audit_event e '
               'WHERE e.case_id = "case".id AND e.kind = \'relapsed\')')
    # The latest handling form that recorded a check method (the task_completed event's data, JSON).
    audit = sa.table("audit_event", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                     sa.column("kind", sa.String), sa.column("detail", sa.JSON))
    latest: dict[int, str] = {}
    rows = bind.execute(sa.select(audit.c.case_id, audit.c.detail)
                        .where(audit.c.kind == "task_completed", audit.c.case_id.is_not(None))
                        .order_by(audit.c.id))
    for case_id, detail in rows:
        method = ((detail or {}).get("data") or {}).get("check_method")
        if method:
            latest[case_id] = method
    case = sa.table("case", sa.column("id", sa.Integer), sa.column("check_method", sa.String))
    for case_id, method in latest.items():
        bind.execute(case.update().where(case.c.id == case_id).values(check_method=str(method)[:32]))


def _indexes(columns: list[str]) -> None:
    # The figures' covering indexes carry every column a fact reads (engine/models/case.py).
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_case_stats_department", table_name="case")
    op.drop_index("ix_case_stats_place", table_name="case")
    op.create_index("ix_case_stats_department", "case", ["department_id", "received_at"],
                    postgresql_include=[*columns, "grid_path"])
    op.create_index("ix_case_stats_place", "case", ["grid_path", "received_at"],
                    postgresql_include=[*columns, "department_id"],
                    postgresql_ops={"grid_path": "text_pattern_ops"})


def _summary() -> None:
    # The new facts for the months already summarised: count every case again with the one rule
    # (engine/measures/summary.py), as migration 0013 did.
    from sqlalchemy.orm import Session

    from engine.core.config import load_settings
    from engine.measures.summary import rebuild

    session = Session(bind=op.get_bind())
    rebuild(session, load_settings().timezone)
    session.flush()


def downgrade() -> None:
    op.execute("DELETE FROM document WHERE case_id IS NULL")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_patrol_id"))
        batch_op.drop_constraint(batch_op.f("fk_document_patrol_id_patrol"), type_="foreignkey")
        batch_op.drop_column("patrol_id")
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
    _indexes(_OLD)
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("relapse_count")
        batch_op.drop_column("check_method")
