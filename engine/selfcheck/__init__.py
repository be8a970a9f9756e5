"""Self-inspection tasks (企业自查): the bureau issues a checklist to a set of enterprises (by
supervision class, industry or grid node), each enterprise's contact answers it through a link with
a token and no account, overdue tasks go to the grid officer of the enterprise's grid and then one
tier up, the supervision section reviews (accept, or send back with a comment, which reopens the
link), and a problem answer can open a complaint case linked to the enterprise. One
workflows/bpmn/selfcheck.bpmn instance per enterprise task.

- ``checklists``: the editable checklist templates and their items.
- ``tokens``: the link's token (random, stored hashed, one task, expiring), renewing a link.
- ``issue``: choosing the enterprises, issuing a campaign, the SMS with the link.
- ``answers``: the enterprise's draft, photos (the intake attachment checks) and submission.
- ``functions``: what selfcheck.bpmn calls (reminder, overdue, escalation, review, reopening).
- ``review``: the staff review with a problem case.
- ``demo``: the demo county's campaign.

The completion rate per town and industry is engine/measures/selfcheck.py's. Who sees which tasks
is engine/org/scopes.py's (enterprise_scope on the task's grid path, in_supervision_section).

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions, engine.org,
engine.work, engine.cases, engine.patrol, engine.sms, engine.enterprises, engine.storage.
"""
