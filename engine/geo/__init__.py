"""The county on a map (挂图督办): the boundaries of its towns and work areas as GeoJSON — checked
on upload, stored, or generated for a county that has none (the demo's) — and the open cases at
their places, for the supervisors' map. No tile server: a bureau's internal network has no
internet, so the boundaries are the whole background.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.org, engine.work,
engine.cases.
"""
