"""SMS (短信) to complainants (acceptance with the tracking code, reply approved with the rating
link) and to staff with a phone (warnings, escalations): an outbox filled inside the step, the
administrator's gateway setting (a development log sink, or an HTTP gateway with a request
template), and sending with retries from the worker's job loop.

May import: engine.models, engine.vocabulary, engine.core, engine.cases.
"""
