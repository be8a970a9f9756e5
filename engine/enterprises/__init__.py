"""The enterprises the bureau supervises: the pollution-source register (污染源台账) with its
online-monitoring points, imported from Excel/CSV (a dry run listing each line's errors, then all
or nothing) and edited by administrators; the link from a case (complaint, monitoring alarm,
patrol problem) to its enterprise, suggested at intake and automatic for an alarm's station code;
the enterprise's history; and the positive list (正面清单) run by workflows/bpmn/positive_list.bpmn.

- ``credit_code``: the unified social credit code's check character (GB 32100-2015).
- ``register``: one enterprise's fields, checked once for the edit page and the import; saving.
- ``register_import``: reading the file, the dry run, applying it.
- ``linking``: suggestions at intake, linking a case (an alarm by its station code).
- ``positive_list``: proposing, the automatic review when a case arrives, ``is_listed``, the public list.
- ``functions``: what positive_list.bpmn calls.
- ``history``: what the enterprise page shows.
- ``sample``: the demo county's register.

Who reads and edits the register is engine/org/scopes.py's (enterprise_scope, edits_enterprises).

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions, engine.org,
engine.work, engine.cases.
"""
