"""facts the statistics count, kept on the case row: first assignment, returns, escalations,
the current closure's follow-up, working days from acceptance to closure (issue 12, measures);
existing cases are filled in from the audit trail

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_COLUMNS = ("assigned_at", "return_count", "escalation_count", "followed_up_at", "handling_workdays")


def upgrade() -> None:
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("return_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("escalation_count", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("handling_workdays", sa.Integer(), nullable=True))
    # The server defaults stay: dropping one would make SQLite copy the whole table, which its
    # foreign keys (audit_event → case) refuse once cases exist.
    _backfill()
    _indexes()
    _summary()


def _summary() -> None:
    op.create_table(
        "case_stat",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("fact", sa.String(length=24), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "dimension", "key", "fact", name="pk_case_stat"),
    )
    # Count the existing cases with the one rule (engine/measures/summary.py), in the zone the
    # installation runs in.
    from sqlalchemy.orm import Session

    from engine.core.config import load_settings
    from engine.measures.summary import rebuild

    from engine.models import Case

    # The rule reads the columns of today's case model; on the way to a head where later
    # migrations add some of them, migration 0025 counts every case again at its step.
    present = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("case")}
    if {c.name for c in Case.__table__.columns} - present:
        return
    session = Session(bind=op.get_bind())
    rebuild(session, load_settings().timezone)
    session.flush()


_STATS_COLUMNS = ["status", "colour", "accepted_at", "closed_on_time", "followed_up_at", "satisfaction",
                  "escalation_count", "assigned_at", "return_count", "handling_workdays", "category", "channel", "tier"]


def _indexes() -> None:
    # A department's or a subtree's figures counted from the index alone (engine/models/case.py).
    op.create_index("ix_case_stats_department", "case", ["department_id", "received_at"],
                    postgresql_include=[*_STATS_COLUMNS, "grid_path"])
    op.create_index("ix_case_stats_place", "case", ["grid_path", "received_at"],
                    postgresql_include=[*_STATS_COLUMNS, "department_id"],
                    postgresql_ops={"grid_path": "text_pattern_ops"})


def _backfill() -> None:
    events = 'FROM audit_event e WHERE e.case_id = "case".id'
    op.execute(f'UPDATE "case" SET assigned_at = (SELECT min(e.at) {events} AND e.kind = \'assigned\')')
    op.execute(f'UPDATE "case" SET return_count = (SELECT count(*) {events} AND e.kind = \'returned\')')
    op.execute(f'UPDATE "case" SET escalation_count = (SELECT count(*) {events} AND e.kind = \'escalated\')')
    # The follow-up of the current closure: the last rating recorded after the last reopening
    # (a rating and the reopening it causes share a moment, so order by id, not time).
    op.execute(
        f'UPDATE "case" SET followed_up_at = (SELECT e.at {events} AND e.kind = \'satisfaction\' '
        f'AND e.id > coalesce((SELECT max(r.id) FROM audit_event r WHERE r.case_id = "case".id '
        f'AND r.kind = \'reopened\'), 0) ORDER BY e.id DESC LIMIT 1) WHERE status = \'closed\'')
    _backfill_workdays()


def _backfill_workdays() -> None:
    # The one working-day rule (engine/calendar/workdays.py) with the administrator's calendar
    # as stored, in the installation's time zone.
    from engine.calendar.workdays import WorkCalendar
    from engine.core.config import load_settings

    bind = op.get_bind()
    overrides = dict(bind.execute(sa.text("SELECT day, is_workday FROM calendar_day")).all())
    years = [row[0] for row in bind.execute(sa.text("SELECT year FROM calendar_year"))]
    calendar = WorkCalendar(overrides={_day(d): bool(v) for d, v in overrides.items()}, entered_years=years,
                            tz=load_settings().timezone)
    rows = bind.execute(sa.text('SELECT id, accepted_at, closed_at FROM "case" WHERE status = \'closed\' '
                                'AND accepted_at IS NOT NULL AND closed_at IS NOT NULL')).all()
    for case_id, accepted_at, closed_at in rows:
        days = calendar.working_days_between(_utc(accepted_at), _utc(closed_at))
        bind.execute(sa.text('UPDATE "case" SET handling_workdays = :days WHERE id = :id'),
                     {"days": days, "id": case_id})


def _day(value):
    from datetime import date

    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _utc(value):
    from datetime import datetime, timezone

    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def downgrade() -> None:
    op.drop_table("case_stat")
    op.drop_index("ix_case_stats_place", table_name="case")
    op.drop_index("ix_case_stats_department", table_name="case")
    with op.batch_alter_table("case", schema=None) as batch_op:
        for column in reversed(_COLUMNS):
            batch_op.drop_column(column)
