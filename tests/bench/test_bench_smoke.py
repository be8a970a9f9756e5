"""`greenloop bench engine --quick` runs end to end on SQLite and ends with its figures line."""
from __future__ import annotations

import pytest

from bench import engine_bench

KEYS = ["start_per_s", "step10_ms", "step100_ms", "size10_kb", "size100_kb", "timers_per_s_1w", "timers_per_s_2w"]


@pytest.mark.slow
def test_quick_engine_bench_prints_every_figure_last(capsys, monkeypatch):
    monkeypatch.delenv("GREENLOOP_BENCH_DATABASE_URL", raising=False)  # always the temporary SQLite file
    assert engine_bench.main(["--quick"]) == 0

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) > 1, "human-readable lines come before the figures"
    pairs = [item.split("=") for item in lines[-1].split(" ")]
    assert all(len(pair) == 2 for pair in pairs), lines[-1]
    figures = {key: float(value) for key, value in pairs}
    assert list(figures) == KEYS
    assert all(value > 0 for value in figures.values()), figures


@pytest.mark.slow
def test_quick_documents_bench_prints_every_figure_last(capsys, monkeypatch):
    from bench import documents_bench

    monkeypatch.delenv("GREENLOOP_BENCH_DATABASE_URL", raising=False)
    assert documents_bench.main(["--quick"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = {key: float(value) for key, value in (item.split("=") for item in last.split(" "))}
    assert list(figures) == list(documents_bench.KEYS)
    assert "notice_ms" in figures and "casefile_ms" in figures
    assert all(value > 0 for value in figures.values()), figures


@pytest.mark.slow
def test_quick_stats_bench_prints_every_figure_last(capsys, monkeypatch):
    from bench import stats_bench

    monkeypatch.delenv("GREENLOOP_BENCH_DATABASE_URL", raising=False)
    assert stats_bench.main(["--quick"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    figures = {key: float(value) for key, value in (item.split("=") for item in last.split(" "))}
    assert list(figures)[:len(stats_bench.KEYS)] == stats_bench.KEYS
    assert figures["cases"] == 20_000 and 0 < figures["year_cases"] < 20_000
    assert all(value > 0 for value in figures.values()), figures
