"""Where a violation found on a random inspection goes next: the enforcement path (立案 →
investigation → penalty …). That path is not part of this build, so the hook records the
violation and marks the inspection ``enforcement_pending`` — the inspection's page and the
register's history show it as awaiting a case to be filed — and starts nothing.

When an enforcement package exists, ``refer`` is the one place to call it from (with the
enterprise, the findings and the inspection as the source); nothing else needs to change.
"""
from __future__ import annotations

from engine.core.step_context import StepContext
from engine.models.inspection import Inspection


def refer(ctx: StepContext, inspection: Inspection) -> None:
    inspection.enforcement_pending = True
    ctx.record("inspection_violation", inspection=inspection.id)
