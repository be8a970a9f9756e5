"""Time passing: firing due timers (exactly once across any number of workers), the loop that
fires them and starts due patrols, and the wake-up a step sends that loop when it brings a timer
near. Slow side work (documents, mail, text messages) is the job loop's (engine/jobs).

May import: engine.models, engine.core, engine.patrol.
"""
