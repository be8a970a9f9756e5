"""Random inspections with public results (双随机、一公开): the annual plan's quotas per supervision
class, the object list (一单) and inspector pool (两库), and a draw that anyone can repeat.

- ``draw``: the draw itself, a pure function of (seed, quotas, objects, inspectors, rules) with no
  database and no clock, so a published draw can be recomputed from its published inputs
  (docs/inspections.md says how, and why ranks come from SHA-256 rather than a random generator).
  It imports nothing of greenloop; everything below reads the database around it.
- ``plans``: the annual plan (rates per class, inspectors per object, publication deadline, joint
  draws), its inspector pool and its object list read from the register and the positive list.
- ``recording``: the public value recorded before the draw (the seed), the draw stored with its
  inputs, result and digest, and the recorded draw verified again from the database.
- ``tasks``: one workflows/bpmn/inspection.bpmn instance per drawn object.
- ``functions``: what inspection.bpmn calls (notice, result, rectification, warning, escalation).
- ``enforcement_hook``: a violation found is recorded for the enforcement path (engine/enforcement/start.py opens it).
- ``results``: what the public portal publishes (一公开).
- ``sample``: the demo county's plan, drawn, worked and published.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions, engine.org,
engine.work, engine.patrol, engine.enterprises, documents.
"""
