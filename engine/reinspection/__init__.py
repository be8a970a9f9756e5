"""Re-inspection after closure (后督察): the supervision section draws a share of the cases closed
in a period at random — from a recorded seed over a recorded, id-ordered candidate list, so the draw
can be repeated and checked — plus every case flagged key (重点, engine/leadership/flags.py) or
repeated (a repeat complaint, engine/cases/recurrence.py, or reopened after an unsatisfied
follow-up). Each chosen case runs workflows/bpmn/reinspection.bpmn: N working days after closure
(set in the diagram) a supervisor (tier 3) re-inspects; a relapse (反弹) reopens the case with the
complaint loop's own ``reopen_case`` and is recorded against the department that handled it.

- ``sampling``: the draw and drawing it again.
- ``functions``: what reinspection.bpmn calls.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions,
engine.cases.
"""
