"""Time passing: firing due timers (exactly once across any number of workers) and the worker
loop that also starts due patrols, mails notifications and renders pending documents.

May import: engine.models, engine.vocabulary, engine.core, engine.notify, engine.patrol, documents.
"""
