"""The complaint case: registering it (numbering, attachments, possible duplicates, monitoring
alarms), what the diagram's functions do to it (lifecycle, escalation), and how staff read it
(search, the case page and its timeline).

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions,
engine.org, engine.notify, engine.work, forms, engine.storage.
"""
