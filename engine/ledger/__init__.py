"""The four-colour ledger (四色台账): every case received in a period, one row each, with its
colour, stage, tier, department, town, the leader who owns it, deadlines, closure and follow-up.

- ``filters``: the period (local dates of ``received_at``) and the filters, checked;
- ``rows``: the row query within a reader's scope (engine/org/scopes.py), a page of it, and all of
  it in keyset batches for the exports; titles masked for readers who may not see the
  complainant (engine/cases/masking.py); the complainant is never a column;
- ``xlsx``: the Excel workbook, streamed: Chinese headers, frozen header row, each row filled in its
  colour, a summary sheet of the measures (engine/measures, never computed here), a sheet per
  town; XlsxWriter builds the workbook and ``sheet_rows`` writes the data rows into it, each row's
  cells made once for the ledger sheet and its town's sheet;
- ``pdf``: the same rows as a PDF through documents/ (capped, with a note saying so);
- ``exports``: an export job — a row with its progress, written by a background thread in short
  transactions, the file kept in the data folder.

Public API (for the periodic reports and anything else that needs the ledger without a request):

    from engine.measures import Period                      # local dates, both included
    from engine.ledger.filters import LedgerFilters         # colour, stage, tier, department (code),
                                                            # town (code), category, channel, status,
                                                            # leader_owned; .parse(args) / .as_dict()
    from engine.ledger.rows import LedgerScope              # .of(staff) | .everything(sees_identity=False)
    from engine.ledger.xlsx import write_ledger_xlsx
    from engine.ledger.pdf import write_ledger_pdf, PDF_ROW_CAP

    written = write_ledger_xlsx(session, period, LedgerFilters(), LedgerScope.everything(), out_file,
                                tz=runtime.timezone, generated_at=runtime.clock.now(),
                                progress=lambda written, total: ...)   # out_file: a path or binary file
    listed = write_ledger_pdf(session, period, filters, scope, out_file, tz=…, generated_at=…, progress=…)

Both only read (any session will do; nothing is committed) and return the rows written. Also
``rows.ledger_page`` (one page, newest first), ``rows.iter_rows`` (every row in keyset batches),
``rows.count_rows``, ``summary.measures_of`` (the engine/measures figures the summary shows) and
``exports.request_export`` / ``exports.run_export`` (a background job with progress).

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.org, engine.cases,
engine.measures, documents, engine.storage.
"""
