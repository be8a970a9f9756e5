"""Rectification item by item (逐项整改销号): when handling finds a problem the handler lists what
must be put right — what, who is responsible, a limit in working days, the evidence required —
one line per item. Each item runs as one instance of the complaint diagram's multi-instance
sub-process ``rectify`` (workflows/bpmn/complaint.bpmn): its own warning and deadline timers, the
supervision call activity when it runs over, the responsible party's evidence (the case's
attachments, engine/cases/attachments.py, referenced by id), and the lead's sign-off (销号).
Closing the case is refused while any item is not signed off.

- ``items``: parsing the handler's list, the rows, evidence, sign-off, the open-item check.
- ``functions``: what the diagram calls.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.cases.
"""
