"""The bureau's organisation: staff accounts and roles, departments, the grid tree (county →
town → work area → village) with its CSV import and place lookups, API tokens for outside
systems, and the seed data of a demo county.

May import: engine.models, engine.vocabulary, engine.core, engine.definitions.
"""
