"""Reference generation (a token changed by triggers whenever reference data changes, so each
process may cache staff, grid, calendar, settings, form and process versions), and audit indexes by case

Revision ID: 0033
Revises: 0032
"""
import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

# The tables engine/core/reference_cache.py caches from, and (for "user") the columns it reads:
# an edit of a password, a phone number or an e-mail address leaves the caches standing.
WATCHED = {"user": ("active", "department_id", "grid_id", "tier", "username", "display_name"), "user_role": None, "grid": None,
           "department": None, "calendar_day": None, "calendar_year": None, "setting": None, "form_version": None,
           "process_definition": None}
# An upsert, not an UPDATE: the test suite empties every table between tests, this row included.
# OR REPLACE: dropping every table (the benches, the test suite) leaves the function behind.
PG_BUMP = """
CREATE OR REPLACE FUNCTION greenloop_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reference_generation (id, token) VALUES (1, floor(random() * 9e15)::bigint)
    ON CONFLICT (id) DO UPDATE SET token = excluded.token;
    RETURN NULL;
END $$
"""
# A database that already holds staff starts with a token; an empty one gets it with its first
# reference row (an empty database must look empty: engine/ops/backup.py restores only into one).
FILLED = '"user"'
SQLITE_BUMP = "INSERT OR REPLACE INTO reference_generation (id, token) VALUES (1, random())"


def upgrade() -> None:
    op.create_table(
        "reference_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_generation")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(PG_BUMP)
        op.execute("INSERT INTO reference_generation (id, token) SELECT 1, floor(random() * 9e15)::bigint "
                   f"WHERE EXISTS (SELECT 1 FROM {FILLED})")
        for table, columns in WATCHED.items():
            update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
            op.execute(f'CREATE TRIGGER reference_changed AFTER INSERT OR {update} OR DELETE OR TRUNCATE ON "{table}" '
                       f"FOR EACH STATEMENT EXECUTE FUNCTION greenloop_reference_changed()")
    else:
        op.execute(f"INSERT INTO reference_generation (id, token) SELECT 1, random() WHERE EXISTS (SELECT 1 FROM {FILLED})")
        for table, columns in WATCHED.items():
            for event in ("INSERT", f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE", "DELETE"):
                op.execute(f'CREATE TRIGGER reference_changed_{table}_{event.split()[0].lower()} AFTER {event} '
                           f'ON "{table}" BEGIN {SQLITE_BUMP}; END')

    # Plain index operations: batch mode would copy the whole audit trail on SQLite.
    op.drop_index("ix_audit_event_case_id", table_name="audit_event")
    op.create_index("ix_audit_event_case_id_id", "audit_event", ["case_id", "id"], unique=False)
    op.create_index("ix_audit_event_case_kind_id", "audit_event", ["case_id", "kind", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_event_case_kind_id", table_name="audit_event")
    op.drop_index("ix_audit_event_case_id_id", table_name="audit_event")
    op.create_index("ix_audit_event_case_id", "audit_event", ["case_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f'DROP TRIGGER reference_changed ON "{table}"')
        op.execute("DROP FUNCTION greenloop_reference_changed()")
    else:
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER reference_changed_{table}_{event}")
    op.drop_table("reference_generation")
