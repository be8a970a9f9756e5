"""Where a violation found on a random inspection goes next: the enforcement path (立案 →
investigation → penalty …, engine/enforcement). ``refer`` runs inside the inspection's step and
records the violation (audit event ``inspection_violation``) with the inspection marked
``enforcement_pending``; the enforcement package's after-step hook (engine/enforcement/start.py
from_step, in the same transaction) registers the complaint case, opens the enforcement case on
it and clears the mark. The hook is after the step because starting processes is the runtime's
(a diagram's script has only its step's context), and engine/enforcement, below this package,
does not import it.
"""
from __future__ import annotations

from engine.core.step_context import StepContext
from engine.models.inspection import Inspection


def refer(ctx: StepContext, inspection: Inspection) -> None:
    inspection.enforcement_pending = True
    ctx.record("inspection_violation", inspection=inspection.id)
