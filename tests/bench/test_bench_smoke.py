"""`greenloop bench NAME --quick` runs end to end on SQLite and ends with its figures line."""
from __future__ import annotations

import importlib

import pytest


def _stats_counts(figures: dict[str, float]) -> None:
    assert figures["cases"] == 20_000 and 0 < figures["year_cases"] < 20_000


def _map_counts(figures: dict[str, float]) -> None:
    assert figures["cases"] == 300


def _demo_counts(figures: dict[str, float]) -> None:
    # Every case registered (a step) and worked on (more steps), all inside the run's time.
    assert figures["cases"] == 20 and figures["steps"] > 2 * 20
    assert figures["setup_seconds"] < figures["seconds"] and figures["cpu_seconds"] > 0


def _calendar_counts(figures: dict[str, float]) -> None:
    assert figures["calendar_cases"] == 60 and figures["calendar_batches"] == 1


def _http_counts(figures: dict[str, float]) -> None:
    # Every kind of request was answered, none with an error (the bench exits with 1 otherwise).
    assert figures["errors"] == 0
    assert all(figures[key] > 0 for key in ("submit_per_s", "open311_per_s", "complete_per_s", "inbox_p95_ms",
                                            "task_p95_ms", "form_p95_ms"))


# (bench, its KEYS are the whole line rather than its start, every figure is above zero, checks of its own)
BENCHES = [
    pytest.param("engine", True, True, None, marks=pytest.mark.slow),
    pytest.param("documents", True, True, None, marks=pytest.mark.slow),
    pytest.param("stats", False, False, _stats_counts, marks=pytest.mark.slow),
    pytest.param("map", True, True, _map_counts),
    pytest.param("demo", True, True, _demo_counts, marks=pytest.mark.slow),
    pytest.param("calendar", True, True, _calendar_counts),
    pytest.param("http", True, False, _http_counts, marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("name", "whole_line", "positive", "check"), BENCHES)
def test_quick_bench_prints_every_figure_last(name, whole_line, positive, check, capsys, monkeypatch):
    bench = importlib.import_module(f"bench.{name}_bench")
    monkeypatch.delenv("GREENLOOP_BENCH_DATABASE_URL", raising=False)  # always the temporary SQLite file
    assert bench.main(["--quick"]) == 0

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) > 1, "human-readable lines come before the figures"
    pairs = [item.split("=") for item in lines[-1].split(" ")]
    assert all(len(pair) == 2 for pair in pairs), lines[-1]
    figures = {key: float(value) for key, value in pairs}
    keys = list(figures) if whole_line else list(figures)[:len(bench.KEYS)]
    assert keys == list(bench.KEYS)
    if positive:
        assert all(value > 0 for value in figures.values()), figures
    if check is not None:
        check(figures)
