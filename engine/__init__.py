"""greenloop's engine: the complaint loop and the bureau's other processes, one package per domain.

Read docs/architecture.md first. The packages form layers; each package's docstring ends with
the line saying which others it may import (tests/unit/test_architecture.py enforces it), so a
lower layer never depends on a higher one and no import cycle can form.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions,
engine.org, engine.notify, engine.work, engine.cases, engine.leadership, engine.geo, engine.public, engine.timers, documents,
forms, engine.storage.
"""
