"""`greenloop bench ledger --quick` runs end to end on SQLite and ends with its figures line."""
from __future__ import annotations

import pytest

from bench import ledger_bench


@pytest.mark.slow
def test_quick_ledger_bench_prints_every_figure_last(capsys, monkeypatch):
    monkeypatch.delenv("GREENLOOP_BENCH_DATABASE_URL", raising=False)  # always the temporary SQLite file
    assert ledger_bench.main(["--quick", "--cases", "3000", "--export-rows", "1000", "--repeat", "2"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    figures = {key: float(value) for key, value in (item.split("=") for item in lines[-1].split(" "))}
    assert list(figures) == list(ledger_bench.KEYS)
    assert figures["ledger_xlsx_rows"] >= 1000
    assert all(value > 0 for value in figures.values()), figures
