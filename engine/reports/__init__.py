"""Periodic reports (日报/周报/月报): the administrator's schedule and when each report falls due,
what a report holds (every measure of the period beside the previous period, red cases, towns
ranked, cases escalated to the leader), issuing it exactly once per kind and period with a
document number, telling the leaders and the supervision section, and rendering the PDF (with
the four-colour ledger) outside the issuing transaction.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.org, engine.notify,
engine.cases, engine.measures, engine.ledger, documents, engine.storage.
"""
