"""The four-colour ledger (四色台账): every case received in a period, one row each, with its
colour, stage, tier, department, town, the leader who owns it, deadlines, closure and follow-up.

- ``filters``: the period (local dates of ``received_at``) and the filters, checked;
- ``rows``: the row query within a reader's scope (engine/org/scopes.py), a page of it, and all of
  it in keyset batches for the exports; titles masked for readers who may not see the
  complainant (engine/cases/masking.py); the complainant is never a column;
- ``xlsx``: the Excel workbook, streamed (XlsxWriter, constant memory): Chinese headers, frozen
  header row, each row filled in its colour, a summary sheet of the measures (engine/measures,
  never computed here), a sheet per town;
- ``pdf``: the same rows as a PDF through documents/ (capped, with a note saying so);
- ``exports``: an export job — a row with its progress, written by a background thread in short
  transactions, the file kept in the data folder.

``write_ledger_xlsx(session, period, filters, scope, out_file, progress=…)`` and
``write_ledger_pdf(…)`` need no web request: the periodic reports attach the same file.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.org, engine.cases,
engine.measures, documents.
"""
