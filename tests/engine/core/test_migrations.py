"""The Alembic migrations build exactly the schema the models describe, and can be undone."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.core.migrate import downgrade, upgrade
from engine.models import Base


def test_migrations_match_the_models(database):
    with database.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # Index details the comparison cannot see through (partial/INCLUDE options) are not diffs.
    assert [d for d in diffs if d[0] not in ("add_index", "remove_index")] == []


def test_downgrade_to_nothing_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    downgrade(url, "base")
    upgrade(url)
