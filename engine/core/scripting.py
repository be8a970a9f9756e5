"""The restricted script engine that runs every expression and script in a diagram.

SpiffWorkflow's default engine is plain eval/exec: a diagram could import os. Diagrams here are
edited by administrators in the browser, so scripts are compiled with RestrictedPython (no
imports, no dunder or private attributes, no open/exec/eval) and see only greenloop's helpers.
"""
from __future__ import annotations

import ast
import copy
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from RestrictedPython import compile_restricted, safe_builtins
from RestrictedPython.Eval import default_guarded_getitem, default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

_EXTRA_BUILTINS = {
    name: value
    for name, value in {
        "dict": dict, "list": list, "min": min, "max": max, "sum": sum, "any": any, "all": all,
        "sorted": sorted, "enumerate": enumerate, "reversed": reversed, "str": str, "int": int,
        "float": float, "bool": bool, "len": len, "round": round, "abs": abs, "set": set,
        "tuple": tuple, "zip": zip, "range": range,
    }.items()
}


class ScriptRejected(Exception):
    """A script or expression broke the sandbox rules or does not compile."""


def _inplace(op: str, target: Any, value: Any) -> Any:
    ops: dict[str, Callable[[Any, Any], Any]] = {
        "+=": lambda a, b: a + b, "-=": lambda a, b: a - b, "*=": lambda a, b: a * b,
        "/=": lambda a, b: a / b, "//=": lambda a, b: a // b, "%=": lambda a, b: a % b,
    }
    if op not in ops:
        raise ScriptRejected(f"operator {op} is not allowed")
    return ops[op](target, value)


def guard_globals() -> dict[str, Any]:
    builtins = dict(safe_builtins)
    builtins.update(_EXTRA_BUILTINS)
    return {
        "__builtins__": builtins,
        "_getattr_": safer_getattr,
        "_getitem_": default_guarded_getitem,
        "_getiter_": default_guarded_getiter,
        "_write_": full_write_guard,
        "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
        "_unpack_sequence_": guarded_unpack_sequence,
        "_inplacevar_": _inplace,
    }


@lru_cache(maxsize=2048)
def compile_source(source: str, mode: str):
    """Compile once per distinct source text; raises ScriptRejected with the line number."""
    try:
        _refuse_imports(source, mode)
        return compile_restricted(source, filename="<diagram>", mode=mode)
    except SyntaxError as err:
        raise ScriptRejected(_syntax_message(err)) from None


def _syntax_message(err: SyntaxError) -> str:
    if err.args and isinstance(err.args[0], tuple):
        # RestrictedPython folds its policy violations into one SyntaxError whose lineno is
        # empty; the messages themselves carry "Line N:".
        return "; ".join(str(p) for p in err.args[0] if p) or "invalid syntax"
    # Python's own: the source does not parse.
    return f"Line {err.lineno}: {err.msg}" if err.lineno else err.msg or "invalid syntax"


def _refuse_imports(source: str, mode: str) -> None:
    # RestrictedPython compiles an import and only fails when it runs; a diagram that imports
    # is refused outright, so deploying it fails instead of a case failing later.
    for node in ast.walk(ast.parse(source, mode=mode)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            raise ScriptRejected(f"Line {node.lineno}: import is not allowed in a diagram")


class RestrictedEnvironment(TaskDataEnvironment):
    def __init__(self, helpers: dict[str, Callable[..., Any]]):
        env = guard_globals()
        env.update(helpers)
        super().__init__(env)

    def evaluate(self, expression, context, external_context=None):
        code = compile_source(expression.strip(), "eval")
        scope = copy.copy(self.globals)
        scope.update(external_context or {})
        scope.update(context)
        return eval(code, scope)  # noqa: S307 - compiled by RestrictedPython

    def execute(self, script, context, external_context=None):
        code = compile_source(script, "exec")
        self.check_for_overwrite(context, external_context or {})
        context.update(copy.copy(self.globals))
        context.update(external_context or {})
        try:
            exec(code, context)  # noqa: S102 - compiled by RestrictedPython
        finally:
            self._remove_globals_and_functions_from_context(context, external_context)
            for name in [k for k in context if k.startswith("_")]:
                context.pop(name)
        return True


def make_script_engine(helpers: dict[str, Callable[..., Any]]) -> PythonScriptEngine:
    return PythonScriptEngine(environment=RestrictedEnvironment(helpers))
