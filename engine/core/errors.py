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


class TaskClaimed(TaskConflict):
    """The task is ready but claimed (认领) by someone else: only the holder may work it, until they
    release it or a supervisor reassigns it (改派). ``holder`` is the login name,
    ``holder_name`` the name colleagues know them by."""

    def __init__(self, task_id: str, holder: str, holder_name: str):
        self.holder = holder
        self.holder_name = holder_name
        GreenloopError.__init__(self, f"任务 {task_id} 已由 {holder_name} 认领，只有认领人可以办理 "
                                      f"(claimed by {holder_name}: only they can work it)")
        self.task_id = task_id
        self.completed_by = None
        self.state = "claimed"


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


class ConfigError(GreenloopError):
    """A setting greenloop refuses to start with (unsafe or malformed); says what to change."""


class Problem:
    """One thing wrong, as a code the web app translates, with the values its message needs."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, params: dict | None = None, **more):
        self.code = code
        self.params = {**(params or {}), **more}

    def __eq__(self, other) -> bool:
        return isinstance(other, Problem) and (self.code, self.params) == (other.code, other.params)

    def __repr__(self) -> str:
        return f"Problem({self.code!r}, {self.params!r})"

    def __str__(self) -> str:
        return self.code + (f" {self.params}" if self.params else "")


class AdminError(GreenloopError):
    """A change refused; ``problems`` maps a form field ("" for the whole change) to problems."""

    def __init__(self, problems: dict[str, list[Problem]]):
        self.problems = {k: list(v) for k, v in problems.items() if v}
        super().__init__("; ".join(f"{k or '*'}: {', '.join(map(str, v))}" for k, v in self.problems.items()))

    def codes(self, name: str | None = None) -> list[str]:
        fields = [name] if name is not None else list(self.problems)
        return [p.code for f in fields for p in self.problems.get(f, [])]


def refuse(_code: str, _field: str = "", **params) -> AdminError:
    return AdminError({_field: [Problem(_code, params)]})
