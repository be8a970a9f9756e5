"""Errors the engine raises to its callers (web app, CLI, worker), each with a clear message."""
from __future__ import annotations


class GreenloopError(Exception):
    """Base class; ``str(err)`` is meant for the person who caused it."""


class NotFound(GreenloopError):
    pass


class TaskConflict(GreenloopError):
    """The task is no longer ready: someone else completed it or the process moved on."""

    def __init__(self, task_id: str, completed_by: str | None, state: str):
        self.task_id = task_id
        self.completed_by = completed_by
        self.state = state
        who = f"已由 {completed_by} 完成 (completed by {completed_by})" if completed_by else f"状态为 {state}"
        super().__init__(f"任务 {task_id} 已不可办理：{who}")


class FormInvalid(GreenloopError):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))


class DeployError(GreenloopError):
    """A diagram was refused; ``problems`` lists (element id, message) pairs."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        self.problems = problems
        super().__init__("\n".join(f"{el or '(file)'}: {msg}" for el, msg in problems))


class WorkflowFault(GreenloopError):
    """The process itself failed (script error, unroutable gateway, history too deep)."""

    def __init__(self, message: str, element: str | None = None):
        self.element = element
        super().__init__(f"{element}: {message}" if element else message)


class PermissionDenied(GreenloopError):
    pass
