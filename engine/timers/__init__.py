"""Time passing: firing due timers (exactly once across any number of workers) and the worker
loop that also mails notifications, sends text messages and renders pending documents.

May import: engine.models, engine.vocabulary, engine.core, engine.notify, engine.sms, documents.
"""
