"""Who hears about what: the notification rules applied after every engine step, fan-out to
the people in scope, the bell's reading side, and e-mail.

May import: engine.models, engine.vocabulary, engine.core, engine.org.
"""
