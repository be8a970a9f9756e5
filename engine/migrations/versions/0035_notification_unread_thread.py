"""One unread notification row per person and thread (a unique partial index), so that a step adds
its news to a thread with one INSERT … ON CONFLICT instead of a read and a write (issue 15). Rows a
race had left twice unread are merged first: the newest stays unread, the older ones are marked
read as of their latest news.

Revision ID: 0035
Revises: 0034
"""
import sqlalchemy as sa
from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

UNREAD = sa.text("read_at IS NULL")


def upgrade() -> None:
    op.execute("""
        UPDATE notification SET read_at = coalesce(last_at, created_at)
        WHERE read_at IS NULL AND thread IS NOT NULL AND id NOT IN (
            SELECT max(id) FROM notification WHERE read_at IS NULL AND thread IS NOT NULL
            GROUP BY user_id, thread)""")
    op.drop_index("ix_notification_thread", table_name="notification")
    op.create_index("uq_notification_unread_thread", "notification", ["user_id", "thread"], unique=True,
                    postgresql_where=UNREAD, sqlite_where=UNREAD)


def downgrade() -> None:
    op.drop_index("uq_notification_unread_thread", table_name="notification")
    op.create_index("ix_notification_thread", "notification", ["user_id", "thread", "read_at"])
