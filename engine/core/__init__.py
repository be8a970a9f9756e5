"""The process runtime, with no domain of its own: one step = one transaction (lock, load,
act, run the engine, save, project the tasks, audit), the parsed-spec registry, the sandboxed
script engine, workflow serialization and history pruning, the task projection, the injected
clock, the database, settings, errors, paging and how times are written for people.

What a diagram may call, the working calendar and what follows a step are lent to the runtime as
``Bindings`` by engine/bootstrap.py.

May import: engine.models, engine.vocabulary.
"""
