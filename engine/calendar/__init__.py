"""Working days (工作日): Chinese public holidays and make-up workdays, the administrator's
overrides and their effect on open deadlines, and the deadline functions timer expressions call.

May import: engine.models, engine.vocabulary, engine.core.
"""
