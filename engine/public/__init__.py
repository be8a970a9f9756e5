"""What the public and outside systems see: the complaint portal (submit, track by code, add
information, rate) and Open311 GeoReport v2 in the bureau's terms.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions,
engine.org, engine.notify, engine.work, engine.cases, documents, engine.storage.
"""
