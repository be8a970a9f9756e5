"""Operating an installation: backups that restore (the database and every file of the data
folder, checked by a manifest of row counts and SHA-256 sums). docs/deployment.md says how often
and where to keep them.

- ``backup``: ``backup`` and ``restore``, SQLite through its online backup API, PostgreSQL through
  pg_dump/pg_restore.

May import: engine.models, engine.core.
"""
