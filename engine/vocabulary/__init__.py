"""The words for the codes greenloop stores, and the sentences its audit events read as.

- ``words``: code → Chinese word, one table per vocabulary (stages, tiers, colours, categories,
  channels, subject types, statuses, satisfaction, roles and candidate groups, grid levels, actors,
  notification kinds, e-mail frequencies).
- ``events``: one table of audit-event sentences, each with its wording for staff screens, for the
  complainant's tracking page and for official documents, and the one function that renders them.

Chinese is the source language: every string is the Chinese text and, on screens, the message id
the web app translates (webapp/labels.py; extracted by scripts/i18n.sh through the ``N_``
marker). Documents and engine messages use the Chinese as it stands.

This package sits at the bottom of the engine, so that any layer (documents, notifications, the web
app) can use it.

May import: engine.models.
"""
