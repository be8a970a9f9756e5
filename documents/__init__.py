"""Case documents (文书): issuing them at the steps the diagram marks (a number and a snapshot,
inside the engine step), the snapshot's plain context, rendering to PDF (Jinja + WeasyPrint),
storing the PDFs, masked copies for staff who may not see the complainant, and the
administrator's document settings.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions,
engine.org, engine.cases, engine.rectification, engine.leadership, engine.storage.
"""
