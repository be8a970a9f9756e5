"""Random inspections with public results (双随机、一公开): the annual plan's quotas per supervision
class, the object list (一单) and inspector pool (两库), and a draw that anyone can repeat.

- ``draw``: the draw itself, a pure function of (seed, quotas, objects, inspectors, rules) with no
  database and no clock, so a published draw can be recomputed from its published inputs
  (docs/inspections.md says how, and why ranks come from SHA-256 rather than a random generator).

May import: nothing else of greenloop (the draw is pure Python).
"""
