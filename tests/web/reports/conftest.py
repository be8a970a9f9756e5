"""The report pages' app writes generated files to the test's own folder; a week of cases with
its reports issued (tests/engine/reports/conftest.py makes the week)."""
from __future__ import annotations

import pytest

from engine.reports.issue import issue_due
from tests.engine.reports.conftest import week  # noqa: F401 — the same week of cases


@pytest.fixture
def app(app, tmp_path):
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    return app


@pytest.fixture
def issued(env, week):  # noqa: F811
    from sqlalchemy import select

    from engine.models.reports import Report

    issue_due(env.runtime)
    with env.db.read() as s:
        return {r.kind: r for r in s.scalars(select(Report))}
