"""The four-colour ledger (四色台账) pages: the filtered, paged table and its Excel / PDF exports
with a progress bar (engine/ledger)."""
