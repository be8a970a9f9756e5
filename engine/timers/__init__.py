"""Time passing: firing due timers (exactly once across any number of workers) and the worker
loop that also starts due patrols, issues the periodic reports due, mails notifications, sends
text messages and renders pending documents and reports.

May import: engine.models, engine.vocabulary, engine.core, engine.notify, engine.sms, engine.patrol, documents,
engine.reports, engine.calendar.
"""
