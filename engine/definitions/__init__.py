"""What processes are made of, as administrators change them: deploying diagrams and decision
tables as versions (with the checks that refuse a diagram that would fail later), drafts,
version history and rollback, moving running instances to a newer version, and task forms as
the administrator last saved them.

May import: engine.models, engine.vocabulary, engine.core, engine.calendar, forms.
"""
