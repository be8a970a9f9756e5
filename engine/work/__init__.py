"""People working tasks: claim, release and complete (with form data), drafts of unfinished
forms, the inbox, and the supervisors' four-colour board with its actions (督办, 改派, 包案).

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, engine.definitions,
engine.org, engine.notify, forms.
"""
