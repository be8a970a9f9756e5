"""Alembic migrations of the schema in engine/models (run by engine/core/migrate.py).

May import: engine.models, engine.core.
"""
